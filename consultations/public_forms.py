"""The questions each person is asked through their link, in words that fit them: three
children's forms by age, one each for parents, carers and professionals, and the two-question
feedback form after the review. A question's name is the ConsultationResponse field its answer
fills, or a key of the reply's `answers` for what only one form asks."""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

from reviews.record_models import ParticipantRole

from .models import CHILD_FORMS, FormVersion, WantsToAttend

TEXT_LIMIT = 5000
YES, NO, NOT_SURE = "yes", "no", "not_sure"
BOOLEAN_FIELDS = ("feels_safe", "wants_to_chair", "wants_advocate")


@dataclass(frozen=True)
class Question:
    """`kind`: "text" (a box to write in), "line" (one line), "yes_no" (yes, no, not sure),
    "attend", "who" (checkboxes of people), "pictures" (pictures with words, one to choose) or
    "score" (1 to 5). `label` and `hint` may name the child: {name}."""

    name: str
    kind: str
    label: str
    hint: str = ""
    required: bool = False
    choices: tuple = ()


FACES = (
    ("happy", "Happy", "face-happy.svg"),
    ("okay", "Okay", "face-okay.svg"),
    ("sad", "Sad", "face-sad.svg"),
)
SAFE_PICTURES = (
    (YES, "Yes, I feel safe", "thumb-up.svg"),
    (NO, "No, I do not feel safe", "thumb-down.svg"),
    (NOT_SURE, "I am not sure", "not-sure.svg"),
)
YES_NO_WORDS = ((YES, "Yes"), (NO, "No"), (NOT_SURE, "Not sure"))
CHILD_PEOPLE = (
    (ParticipantRole.MOTHER, "My mum"),
    (ParticipantRole.FATHER, "My dad"),
    (ParticipantRole.CARER, "My carer or foster carer"),
    (ParticipantRole.SOCIAL_WORKER, "My social worker"),
    (ParticipantRole.EDUCATION, "My teacher"),
    (ParticipantRole.HEALTH, "My doctor or nurse"),
    (ParticipantRole.ADVOCATE, "My advocate"),
    (ParticipantRole.INDEPENDENT_VISITOR, "My independent visitor"),
)
ADULT_PEOPLE = (
    (ParticipantRole.CHILD, "{name}"),
    (ParticipantRole.MOTHER, "Mother"),
    (ParticipantRole.FATHER, "Father"),
    (ParticipantRole.CARER, "Carer"),
    (ParticipantRole.SOCIAL_WORKER, "Social worker"),
    (ParticipantRole.EDUCATION, "School or virtual school"),
    (ParticipantRole.HEALTH, "Health professional"),
    (ParticipantRole.ADVOCATE, "Advocate"),
    (ParticipantRole.INDEPENDENT_VISITOR, "Independent visitor"),
)
CHILD_ATTEND = (
    (WantsToAttend.YES, "Yes"),
    (WantsToAttend.PART, "For some of it"),
    (WantsToAttend.NO, "No"),
    (WantsToAttend.NOT_SURE, "I am not sure"),
)
ADULT_ATTEND = (
    (WantsToAttend.YES, "Yes"),
    (WantsToAttend.PART, "For part of it"),
    (WantsToAttend.NO, "No"),
    (WantsToAttend.NOT_SURE, "Not sure yet"),
)

UNDER_8 = (
    Question("how_things_are", "pictures", "How do you feel about where you live?", choices=FACES),
    Question("feels_safe", "pictures", "Do you feel safe where you live?", required=True, choices=SAFE_PICTURES),
    Question(
        "wants_at_review",
        "who",
        "Who do you want at your meeting?",
        "Choose as many as you like.",
        choices=CHILD_PEOPLE,
    ),
    Question("wants_to_attend", "attend", "Do you want to come to your meeting?", choices=CHILD_ATTEND),
    Question("anything_else", "text", "Is there anything you want to tell us?", "A grown-up can help you write it."),
)
EIGHT_TO_12 = (
    Question("going_well", "text", "What is going well for you?", "For example at home, at school or with friends."),
    Question("worries", "text", "Is anything worrying you?"),
    Question("wishes", "text", "What would you like to happen?"),
    Question("feels_safe", "yes_no", "Do you feel safe where you live?", required=True, choices=YES_NO_WORDS),
    Question("wants_to_attend", "attend", "Do you want to come to your review meeting?", choices=CHILD_ATTEND),
    Question(
        "wants_at_review",
        "who",
        "Who do you want at your review meeting?",
        "Choose as many as you like.",
        choices=CHILD_PEOPLE,
    ),
    Question("wants_at_review_other", "line", "Anyone else you want there?"),
    Question("where_and_when", "text", "Where and when would you like your meeting to be?"),
    Question(
        "wants_to_chair",
        "yes_no",
        "Would you like to run part of your meeting?",
        "Your IRO can help you lead some of it.",
        choices=YES_NO_WORDS,
    ),
    Question(
        "wants_advocate",
        "yes_no",
        "Would you like an advocate?",
        "An advocate is someone who helps you say what you think.",
        choices=YES_NO_WORDS,
    ),
    Question("not_to_share", "text", "Is there anything you do not want us to tell other people?"),
    Question("anything_else", "text", "Is there anything else you want to tell us?"),
)
THIRTEEN_PLUS = (
    Question("going_well", "text", "What is going well for you at the moment?"),
    Question("worries", "text", "What is worrying you?"),
    Question("wishes", "text", "What do you want to happen next?"),
    Question("feels_safe", "yes_no", "Do you feel safe where you live?", required=True, choices=YES_NO_WORDS),
    Question("wants_to_attend", "attend", "Do you want to come to your review?", choices=CHILD_ATTEND),
    Question(
        "wants_at_review", "who", "Who do you want at your review?", "Select all that apply.", choices=CHILD_PEOPLE
    ),
    Question("wants_at_review_other", "line", "Anyone else you want there?"),
    Question("where_and_when", "text", "Where and when would suit you for the review?"),
    Question("wants_to_chair", "yes_no", "Would you like to chair part of your review?", choices=YES_NO_WORDS),
    Question(
        "wants_advocate",
        "yes_no",
        "Would you like an advocate?",
        "An advocate is independent and helps you get your views across.",
        choices=YES_NO_WORDS,
    ),
    Question("not_to_share", "text", "Is there anything you do not want shared with others at the review?"),
    Question("anything_else", "text", "Anything else you want your IRO to know?"),
)


def adult_questions(going_well, worries, wishes, not_to_share):
    return (
        Question("going_well", "text", going_well),
        Question("worries", "text", worries),
        Question("wishes", "text", wishes),
        Question("wants_to_attend", "attend", "Do you plan to come to the review?", choices=ADULT_ATTEND),
        Question(
            "wants_at_review",
            "who",
            "Who do you think should be at the review?",
            "Select all that apply.",
            choices=ADULT_PEOPLE,
        ),
        Question("wants_at_review_other", "line", "Anyone else who should be there?"),
        Question("where_and_when", "text", "Where and when would suit you for the review?"),
        Question("not_to_share", "text", not_to_share),
        Question("anything_else", "text", "Is there anything else the IRO should know?"),
    )


CONSULTATION_QUESTIONS = {
    FormVersion.CHILD_UNDER_8: UNDER_8,
    FormVersion.CHILD_8_TO_12: EIGHT_TO_12,
    FormVersion.CHILD_13_PLUS: THIRTEEN_PLUS,
    FormVersion.PARENT: adult_questions(
        "What is going well for {name}?",
        "What worries you about {name}?",
        "What would you like to happen for {name}?",
        "Is there anything you do not want shared with others at the review?",
    ),
    FormVersion.CARER: adult_questions(
        "What is going well for {name} in your home?",
        "What worries you, or what support do you need?",
        "What would you like to happen for {name}?",
        "Is there anything you do not want shared with others at the review?",
    ),
    FormVersion.PROFESSIONAL: adult_questions(
        "What is working well for {name}?",
        "What are you worried about?",
        "What needs to happen next?",
        "Is there anything that should not be shared with the family?",
    ),
}

CHILD_SCORES = (
    ("5", "Really well"),
    ("4", "Well"),
    ("3", "Okay"),
    ("2", "Not very well"),
    ("1", "Not at all"),
)
ADULT_SCORES = (
    ("5", "Very well"),
    ("4", "Well"),
    ("3", "Partly"),
    ("2", "Not very well"),
    ("1", "Not at all"),
)
CHILD_FEEDBACK = (
    Question("listened_score", "score", "How well did your review listen to you?", required=True, choices=CHILD_SCORES),
    Question("feedback_text", "text", "Is there anything you want to tell us about it?"),
)
ADULT_FEEDBACK = (
    Question("listened_score", "score", "How well did the review listen to you?", required=True, choices=ADULT_SCORES),
    Question("feedback_text", "text", "Is there anything else you want to tell us?"),
)


def questions_for(form_version: str, purpose_is_feedback: bool) -> tuple[Question, ...]:
    if purpose_is_feedback:
        return CHILD_FEEDBACK if form_version in CHILD_FORMS else ADULT_FEEDBACK
    return CONSULTATION_QUESTIONS[FormVersion(form_version)]


REQUIRED_MESSAGES = {
    "feels_safe": "Choose whether you feel safe where you live",
    "listened_score": "Choose how well the review listened to you",
}


class ConsultationForm(forms.Form):
    """One person's form, its fields built from their questions with the child's first name in
    the words. Every question but the safety one (and the feedback score) may be left out, but
    not all of them."""

    def __init__(self, *args, questions, first_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[question.name] = self.field_for(question, first_name)

    @staticmethod
    def field_for(question, first_name):
        label = question.label.format(name=first_name)
        hint = question.hint.format(name=first_name)
        common = {"label": label, "help_text": hint, "required": question.required}
        if question.required:
            common["error_messages"] = {"required": REQUIRED_MESSAGES[question.name]}
        if question.kind == "text":
            return forms.CharField(widget=forms.Textarea, max_length=TEXT_LIMIT, strip=True, **common)
        if question.kind == "line":
            return forms.CharField(max_length=500, strip=True, **common)
        choices = [(value, words.format(name=first_name)) for value, words, *_ in question.choices]
        if question.kind == "who":
            return forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, choices=choices, **common)
        return forms.ChoiceField(widget=forms.RadioSelect, choices=choices, **common)

    def rows(self):
        """(question, bound field, pictures) for the page: pictures (value, words, image, input
        id, checked) for a question answered by choosing one; the first takes the field's id, so
        the error summary's link lands on it."""
        for question in self.questions:
            field = self[question.name]
            pictures = []
            if question.kind == "pictures":
                chosen = field.value()
                pictures = [
                    {
                        "value": value,
                        "label": words,
                        "image": f"images/have-your-say/{image}",
                        "id": field.auto_id if number == 0 else f"{field.auto_id}_{number}",
                        "checked": chosen == value,
                    }
                    for number, (value, words, image) in enumerate(question.choices)
                ]
            yield question, field, pictures

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(question.name) for question in self.questions):
            raise ValidationError("Answer at least one question before you send your answers")
        return cleaned

    def answers(self) -> dict:
        """The answers as services.submit_response takes them: yes, no and not sure read as
        True, False and None (with the "not sure" kept beside it), scores as numbers."""
        answers = {}
        for question in self.questions:
            value = self.cleaned_data.get(question.name)
            if question.name in BOOLEAN_FIELDS:
                answers[question.name] = {YES: True, NO: False}.get(value)
                if value == NOT_SURE:
                    answers[f"{question.name}_not_sure"] = True
            elif question.kind == "score":
                answers[question.name] = int(value)
            elif value not in ("", None, []):
                answers[question.name] = value
        return answers
