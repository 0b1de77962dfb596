"""Every /children/ page, under the one namespace "children": the pages that show children
(caseloads.views) and those that change a child's record (children.views)."""

from django.urls import path

from children import entry_views
from children import views as children_views

from . import views

app_name = "children"

urlpatterns = [
    path("", views.ChildrenListView.as_view(), name="list"),
    path("caseload/", views.CaseloadView.as_view(), name="caseload"),
    path("<int:pk>/", views.ChildDetailView.as_view(), name="detail"),
    path("<int:pk>/allocate/", children_views.AllocateView.as_view(), name="allocate"),
    path("<int:pk>/motherhood/", children_views.MotherhoodView.as_view(), name="motherhood"),
    path("add/", entry_views.AddChildView.as_view(), name="add"),
    path("<int:pk>/care-episodes/add/", entry_views.AddEpisodeView.as_view(), name="add_episode"),
    path("care-episodes/<int:pk>/recorded/", views.EpisodeRecordedView.as_view(), name="episode_recorded"),
    path("care-episodes/<int:pk>/change/", entry_views.ChangeEpisodeView.as_view(), name="change_episode"),
    path("care-episodes/<int:pk>/end/", entry_views.EndEpisodeView.as_view(), name="end_episode"),
    path(
        "<int:pk>/strategy-discussions/add/",
        entry_views.StrategyDiscussionView.as_view(),
        name="add_strategy_discussion",
    ),
    path("<int:pk>/protection-plans/start/", entry_views.StartPlanView.as_view(), name="start_plan"),
    path("protection-plans/<int:pk>/category/", entry_views.PlanCategoryView.as_view(), name="plan_category"),
    path("protection-plans/<int:pk>/end/", entry_views.EndPlanView.as_view(), name="end_plan"),
]
