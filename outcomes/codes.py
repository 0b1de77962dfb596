"""DfE SSDA903 code lists for the outcome tables (OC2, OC3, Missing, AD1, PlacedAdoption,
PrevPerm), ../shared/DATA_DICTIONARY.md section 1; stored upper case as the files carry them.
The DfE guidance for the collection year wins where it differs."""

from django.db import models


class SdqReason(models.TextChoices):
    """SDQ_REASON: why there is no Strengths and Difficulties Questionnaire score."""

    SDQ1 = "SDQ1", "No form returned as child was aged under 4 or over 17 at date of latest assessment"
    SDQ2 = "SDQ2", "Carer(s) refused to complete and return questionnaire"
    SDQ3 = "SDQ3", "Not possible to complete the questionnaire due to severity of the child's disability"
    SDQ4 = "SDQ4", "Other"
    SDQ5 = "SDQ5", "Child or young person refuses to allow an SDQ to be completed"


class InTouch(models.TextChoices):
    """IN_TOUCH: whether the authority is in touch with the care leaver around their birthday."""

    YES = "YES", "In touch"
    NO = "NO", "Not in touch"
    DIED = "DIED", "Died"
    REFU = "REFU", "Refuses contact"
    NREQ = "NREQ", "No longer requires services"
    RHOM = "RHOM", "Returned home to parents for 6 months or more"


class CareLeaverActivity(models.TextChoices):
    """ACTIV: the care leaver's main activity."""

    F1 = "F1", "Full-time higher education"
    P1 = "P1", "Part-time higher education"
    F2 = "F2", "Full-time education other than higher education"
    P2 = "P2", "Part-time education other than higher education"
    F4 = "F4", "Full-time training or employment"
    P4 = "P4", "Part-time training or employment"
    F5 = "F5", "Full-time apprenticeship"
    P5 = "P5", "Part-time apprenticeship"
    G4 = "G4", "Not in education, training or employment: illness or disability"
    G5 = "G5", "Not in education, training or employment: other reasons"
    G6 = "G6", "Not in education, training or employment: pregnancy or parenting"
    NONE = "0", "Not known or not applicable"


class CareLeaverAccommodation(models.TextChoices):
    """ACCOM: the care leaver's accommodation; the second character says whether it is
    suitable (1) or not (2). No fixed abode (S) and custody (X) are never suitable, so S1 and X1
    are not codes (DfE rule 133)."""

    B1 = "B1", "With parents or relatives: suitable"
    B2 = "B2", "With parents or relatives: not suitable"
    C1 = "C1", "Community home or other residential care: suitable"
    C2 = "C2", "Community home or other residential care: not suitable"
    D1 = "D1", "Semi-independent, transitional accommodation: suitable"
    D2 = "D2", "Semi-independent, transitional accommodation: not suitable"
    E1 = "E1", "Supported lodgings: suitable"
    E2 = "E2", "Supported lodgings: not suitable"
    G1 = "G1", "Gone abroad: suitable"
    G2 = "G2", "Gone abroad: not suitable"
    H1 = "H1", "Deported: suitable"
    H2 = "H2", "Deported: not suitable"
    K1 = "K1", "Ordinary lodgings, without formal support: suitable"
    K2 = "K2", "Ordinary lodgings, without formal support: not suitable"
    R1 = "R1", "Residence not known: suitable"
    R2 = "R2", "Residence not known: not suitable"
    S2 = "S2", "No fixed abode or homeless: not suitable"
    T1 = "T1", "Foyers and similar supported accommodation: suitable"
    T2 = "T2", "Foyers and similar supported accommodation: not suitable"
    U1 = "U1", "Independent living: suitable"
    U2 = "U2", "Independent living: not suitable"
    V1 = "V1", "Emergency accommodation: suitable"
    V2 = "V2", "Emergency accommodation: not suitable"
    W1 = "W1", "Bed and breakfast: suitable"
    W2 = "W2", "Bed and breakfast: not suitable"
    X2 = "X2", "In custody: not suitable"
    Y1 = "Y1", "Other accommodation: suitable"
    Y2 = "Y2", "Other accommodation: not suitable"
    Z1 = "Z1", "With former foster carers: suitable"
    Z2 = "Z2", "With former foster carers: not suitable"
    NONE = "0", "Not known or not applicable"


class MissingKind(models.TextChoices):
    """MISSING: missing from placement, or away from it without authorisation."""

    MISSING = "M", "Missing"
    AWAY = "A", "Away from placement without authorisation"


class ReasonPlacedCeased(models.TextChoices):
    """REASON_PLACED_CEASED: why the child should no longer be placed for adoption."""

    RD1 = "RD1", "The child's needs changed after the decision"
    RD2 = "RD2", "The court did not make a placement order"
    RD3 = "RD3", "Prospective adopters could not be found"
    RD4 = "RD4", "Any other reason"


class AdoptersSex(models.TextChoices):
    """SEX_ADOPTR."""

    M1 = "M1", "Male adopter"
    F1 = "F1", "Female adopter"
    MM = "MM", "Adopting couple, both male"
    FF = "FF", "Adopting couple, both female"
    MF = "MF", "Adopting couple, male and female"


class AdoptersLegalStatus(models.TextChoices):
    """LS_ADOPTR. DfE rules 514, 517 and 518 fix what L0, L3 and L4 mean: one adopter; a couple
    of different sexes; a couple of the same sex."""

    L0 = "L0", "Single adopter"
    L11 = "L11", "Couple of different sexes, married"
    L12 = "L12", "Couple of the same sex, married"
    L2 = "L2", "Couple in a civil partnership"
    L3 = "L3", "Couple of different sexes, not married nor in a civil partnership"
    L4 = "L4", "Couple of the same sex, not married nor in a civil partnership"


class PreviousPermanenceOrder(models.TextChoices):
    """PREV_PERM: the permanence the child left before this period of care."""

    P1 = "P1", "Adoption"
    P2 = "P2", "Special guardianship order"
    P3 = "P3", "Residence order or child arrangements order"
    P4 = "P4", "Special guardianship order and previously a residence or child arrangements order"
    Z1 = "Z1", "Not known or no previous permanence"
