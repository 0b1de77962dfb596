"""DfE code lists from ../shared/DATA_DICTIONARY.md (SSDA903 and CIN census), stored upper case."""

from django.db import models


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    UNKNOWN = "U", "Unknown"


class Ethnicity(models.TextChoices):
    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WOTH = "WOTH", "Any other White background"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WROM = "WROM", "Gypsy/Roma"
    MWBC = "MWBC", "Mixed White and Black Caribbean"
    MWBA = "MWBA", "Mixed White and Black African"
    MWAS = "MWAS", "Mixed White and Asian"
    MOTH = "MOTH", "Any other Mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class LegalStatus(models.TextChoices):
    C1 = "C1", "Interim care order"
    C2 = "C2", "Full care order"
    D1 = "D1", "Freeing order granted"
    E1 = "E1", "Placement order granted"
    V2 = "V2", "Single period of accommodation under section 20"
    V3 = "V3", "Series of short-term breaks, individual episodes recorded"
    V4 = "V4", "Series of short-term breaks, agreements recorded"
    L1 = "L1", "Police protection, in LA accommodation"
    L2 = "L2", "Emergency protection order"
    L3 = "L3", "Child assessment order, in LA accommodation"
    J1 = "J1", "Remanded to LA or youth detention accommodation"
    J2 = "J2", "In LA accommodation under PACE 1984"
    J3 = "J3", "Youth Rehabilitation Order with residence or intensive fostering requirement"


SHORT_BREAK_LEGAL_STATUSES = frozenset({LegalStatus.V3, LegalStatus.V4})


class ReasonForNewEpisode(models.TextChoices):
    S = "S", "Started to be looked after"
    L = "L", "Change of legal status only"
    P = "P", "Change of placement and carer(s) only"
    T = "T", "Change of placement, same carer(s)"
    B = "B", "Change of legal status and of placement and carer(s), same day"
    U = "U", "Change of legal status and of placement, same carer(s), same day"


PLACEMENT_CHANGE_REASONS_FOR_NEW_EPISODE = frozenset({"P", "T", "B", "U"})


class CategoryOfNeed(models.TextChoices):
    N1 = "N1", "Abuse or neglect"
    N2 = "N2", "Child's disability"
    N3 = "N3", "Parental illness or disability"
    N4 = "N4", "Family in acute stress"
    N5 = "N5", "Family dysfunction"
    N6 = "N6", "Socially unacceptable behaviour"
    N7 = "N7", "Low income"
    N8 = "N8", "Absent parenting"


class PlacementType(models.TextChoices):
    A3 = "A3", "Placed for adoption with consent, with current foster carer(s)"
    A4 = "A4", "Placed for adoption with consent, not with current foster carer(s)"
    A5 = "A5", "Placed for adoption under a placement order, with current foster carer(s)"
    A6 = "A6", "Placed for adoption under a placement order, not with current foster carer(s)"
    H5 = "H5", "Semi-independent living not subject to children's homes regulations"
    K1 = "K1", "Secure children's home"
    K2 = "K2", "Children's home"
    K3 = "K3", "Supported accommodation"
    P1 = "P1", "Placed with own parent(s) or person(s) with parental responsibility"
    P2 = "P2", "Independent living"
    P3 = "P3", "Residential employment"
    R1 = "R1", "Residential care home"
    R2 = "R2", "NHS/health trust or other medical or nursing establishment"
    R3 = "R3", "Family centre or mother and baby unit"
    R5 = "R5", "Young offender institution"
    S1 = "S1", "Residential school"
    T0 = "T0", "Temporary move"
    T1 = "T1", "Temporary period in hospital"
    T2 = "T2", "Temporary absence on holiday"
    T3 = "T3", "Temporary accommodation while usual foster carer(s) on holiday"
    T4 = "T4", "Temporary accommodation of 7 days or less"
    U1 = "U1", "Foster placement with relative or friend, long-term"
    U2 = "U2", "Foster placement with relative or friend, fostering for adoption or concurrent planning"
    U3 = "U3", "Foster placement with relative or friend, not long-term or FFA"
    U4 = "U4", "Foster placement with other foster carer, long-term"
    U5 = "U5", "Foster placement with other foster carer, fostering for adoption or concurrent planning"
    U6 = "U6", "Foster placement with other foster carer, not long-term or FFA"
    Z1 = "Z1", "Other placement"
    Z11 = "Z11", "Other placement (Z11)"
    Z12 = "Z12", "Other placement (Z12)"
    Z13 = "Z13", "Other placement (Z13)"
    Z14 = "Z14", "Other placement (Z14)"


# SSDA903 rule 178: the provider must be blank for temporary and "other" placements.
PLACEMENT_TYPES_WITHOUT_PROVIDER = frozenset({"T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"})


class PlacementProvider(models.TextChoices):
    PR0 = "PR0", "Parent(s) or person(s) with parental responsibility"
    PR1 = "PR1", "Own local authority provision"
    PR2 = "PR2", "Other local authority provision"
    PR3 = "PR3", "Other public provision"
    PR4 = "PR4", "Private provision"
    PR5 = "PR5", "Voluntary or third sector provision"


class ReasonEpisodeCeased(models.TextChoices):
    X1 = "X1", "Episode ends and a new one starts the same day"
    E11 = "E11", "Adopted: application unopposed"
    E12 = "E12", "Adopted: consent dispensed with by court"
    E2 = "E2", "Died"
    E3 = "E3", "Care taken over by another UK local authority"
    E4A = "E4A", "Returned home as part of the care plan"
    E4B = "E4B", "Returned home, not part of the care plan"
    E13 = "E13", "Left care to live with parent, relative or other person without parental responsibility"
    E41 = "E41", "Residence order or child arrangements order granted"
    E45 = "E45", "Special guardianship order to former foster carer(s) who are relatives or friends"
    E46 = "E46", "Special guardianship order to former foster carer(s) who are not relatives or friends"
    E47 = "E47", "Special guardianship order to carer(s) who are relatives or friends"
    E48 = "E48", "Special guardianship order to carer(s) who are not relatives or friends"
    E5 = "E5", "Moved to independent living with formal advice or support"
    E6 = "E6", "Moved to independent living without formal advice or support"
    E7 = "E7", "Transferred to residential care funded by adult social care"
    E9 = "E9", "Sentenced to custody"
    E14 = "E14", "Accommodation on remand ended"
    E15 = "E15", "Age assessment found child to be 18 or over"
    E16 = "E16", "Child moved abroad"
    E17 = "E17", "Aged 18 or over and stayed with current carers"
    E8 = "E8", "Ceased for any other reason"


CONTINUING_EPISODE_REASON = ReasonEpisodeCeased.X1

# An episode ending for one of these (the child died, or is 18 or over) ends care for good: no
# episode can follow it (SSDA903 rule 437).
CARE_ENDED_FOR_GOOD_REASONS = frozenset({ReasonEpisodeCeased.E2, ReasonEpisodeCeased.E15, ReasonEpisodeCeased.E17})

# A short break ending for one of these leaves the child at home until the next break, so the
# series of short breaks goes on; any other reason (adopted, died, an order, another authority,
# independent living, adult care, custody, abroad, 18 or over) ends the series.
SHORT_BREAK_GAP_REASONS = frozenset(
    {
        ReasonEpisodeCeased.E4A,
        ReasonEpisodeCeased.E4B,
        ReasonEpisodeCeased.E13,
        ReasonEpisodeCeased.E8,
    }
)


class ReasonForPlacementChange(models.TextChoices):
    CARPL = "CARPL", "Change to or implementing care plan"
    CLOSE = "CLOSE", "Resignation or closure of provision"
    ALLEG = "ALLEG", "Allegation (section 47)"
    STAND = "STAND", "Standards of care concern"
    APPRR = "APPRR", "Approval removed"
    CREQB = "CREQB", "Carer requests end due to child's behaviour"
    CREQO = "CREQO", "Carer requests end for other reasons"
    CHILD = "CHILD", "Child requests placement end"
    LAREQ = "LAREQ", "Responsible or area authority requests end"
    PLACE = "PLACE", "Change in status of placement only"
    CUSTOD = "CUSTOD", "Custody arrangement"
    OTHER = "OTHER", "Other reason"


class CategoryOfAbuse(models.TextChoices):
    NEG = "NEG", "Neglect"
    PHY = "PHY", "Physical abuse"
    SAB = "SAB", "Sexual abuse"
    EMO = "EMO", "Emotional abuse"
    MUL = "MUL", "Multiple"


class PlanEndReason(models.TextChoices):
    NO_LONGER_AT_RISK = "no_longer_at_risk", "Child no longer at continuing risk of significant harm"
    BECAME_LOOKED_AFTER = "looked_after", "Child became looked after"
    MOVED_AWAY = "moved_away", "Child moved to another local authority"
    REACHED_EIGHTEEN = "eighteen", "Child reached 18"
    DIED = "died", "Child died"
    OTHER = "other", "Other"


# A placement change is unplanned when it was not made to implement the care plan or merely to
# record a change in the placement's status (local standard: such a move calls for a review).
PLANNED_PLACEMENT_CHANGE_REASONS = frozenset({ReasonForPlacementChange.CARPL, ReasonForPlacementChange.PLACE})
