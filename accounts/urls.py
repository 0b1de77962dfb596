from django.urls import path

from . import cover_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/code/", views.SignInCodeView.as_view(), name="sign_in_code"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("signed-out/", views.SignedOutView.as_view(), name="signed_out"),
    path("account/", views.AccountView.as_view(), name="account"),
    path("account/password/", views.ChangePasswordView.as_view(), name="password_change"),
    path("account/password/done/", views.PasswordChangedView.as_view(), name="password_change_done"),
    path("account/two-factor/", views.TwoFactorView.as_view(), name="two_factor"),
    path("account/api-tokens/", views.ApiTokensView.as_view(), name="api_tokens"),
    path("account/api-tokens/new/", views.NewApiTokenView.as_view(), name="api_token_new"),
    path("account/api-tokens/<int:pk>/revoke/", views.revoke_own_api_token, name="api_token_revoke"),
    path("manage/", views.ManageServiceView.as_view(), name="manage_service"),
    path("cover/", cover_views.CoverListView.as_view(), name="cover_list"),
    path("cover/grant/", cover_views.GrantCoverView.as_view(), name="cover_grant"),
    path("cover/grant/check/", cover_views.CheckCoverView.as_view(), name="cover_check"),
    path("cover/<int:pk>/granted/", cover_views.CoverGrantedView.as_view(), name="cover_granted"),
    path("cover/<int:pk>/end/", cover_views.EndCoverView.as_view(), name="cover_end"),
]
