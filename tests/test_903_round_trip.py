"""Round trip: import a hand-made 2024/25 return, export it, import the export into an empty
database, export again: the two exports are byte-identical and the records the same.

The hand-made files hold every code family (SEX in both codings, the 20 ETHNIC codes, UPN and
UN1-UN5, all RNE, LS except D1, CIN, the 2024/25 PLACE codes, PLACE_PROVIDER, REC,
REASON_PLACE_CHANGE and REVIEW_CODE codes) and the edge cases: returns to care, X1 chains with
every RNE, temporary placements returned from (no reason for placement change around them, rule 226), a
child moved for each reason for placement change, short breaks (V3/V4) without reviews, under-4s
(PN0) and a child turning 4, UASC children (one ceasing in the year), an episode starting on the
first day of the year and one ceasing on the last, SEX U, MOTHER 1 with MC_DOB for a mother,
0 for the other girls and blank for boys and a child on short breaks only. They also have what
the DfE files allow but the export writes in its own way: columns in another order, a byte-order
mark, lower case, single-digit days, postcodes without their space or with two, SEX as 1/2. Every
looked-after episode has real postcodes (placements inside the authority, one in Derby, one in
Wales) and the provider's URN where Ofsted registers it, as the DfE's rules want.

The six outcome tables hold every SDQ_REASON, IN_TOUCH, ACTIV, ACCOM, MISSING,
REASON_PLACED_CEASED, SEX_ADOPTR, LS_ADOPTR and PREV_PERM code, and follow the DfE's rules
across the tables: an OC2 row for every child looked after for the 12 months to 31 March (with
what their age asks: a health check under 5, a conviction from 10, an SDQ score or its reason from
4 to 16), an AD1 row for every child adopted in the year with its decision in PlacedAdoption, a
reversed decision for every child who left a placement for adoption otherwise, a PrevPerm row for
every child who started care in the year, and care leavers not looked after in the year.
"""

import pytest

from children.models import CareEpisode, Child
from outcomes.models import (
    Adoption,
    AdoptionDecision,
    CareLeaverRecord,
    HealthRecord,
    MissingEpisode,
    PreviousPermanence,
)
from reviews.models import Review, ReviewKind, ReviewStatus
from ssda903 import dfe_check, rules
from ssda903.exporter import build_rows, export_return, write_csv
from ssda903.files import read_csv
from ssda903.importer import import_return
from tests.factories import ManagerFactory


def care_leaver_dob(n):
    """Care leavers (not looked after in the year) whose 19th birthday is in 2024/25."""
    return f"{n % 28 + 1:02d}/{n % 9 + 4:02d}/2005"


HEADER = """\ufeffUPN,CHILD,DOB,SEX,ETHNIC,MOTHER,MC_DOB
A801200112001,RET01,12/03/2010,F,MWBC,0,
UN3,X1CHN,05/07/2012,1,WBRI,,
UN2,RESP1,14/09/2016,2,WIRI,,
UN4,RESP2,01/01/2014,M,AIND,,
UN1,BABY1,20/11/2023,F,BCRB,0,
un1,TURN4,10/10/2020,M,CHNE,,
UN2,UASC1,02/02/2008,M,OOTH,,
UN5,UASC2,15/03/2007,F,BAFR,0,
B801200112002,SEXU1,01/01/2011,U,NOBT,,
UN3,PARNT,08/08/2009,F,MWAS,1,12/12/2024
C80120011200A,L3KID,03/03/2013,M,WROM,,
UN5,OLDEP,01/01/2007,M,WOTH,,
D801200112003,TEMP1,06/06/2011,F,MWBA,0,
UN1,FIL01,01/02/2020,M,WIRT,,
UN5,FIL02,03/04/2015,F,MOTH,0,
UN5,FIL03,12/12/2012,M,APKN,,
UN5,FIL04,04/04/2014,F,ABAN,0,
UN5,FIL05,05/05/2010,M,AOTH,,
UN5,FIL06,06/06/2016,F,BOTH,0,
UN5,FIL07,07/07/2013,M,REFU,,
UN5,FIL08,08/08/2012,F,WIRT,0,
UN5,FIL09,09/09/2017,M,MOTH,,
UN5,FIL10,10/03/2007,F,APKN,0,
UN5,FIL11,11/11/2006,M,ABAN,,
UN5,FIL12,12/01/2008,M,AOTH,,
UN5,FIL13,13/01/2010,F,BOTH,0,
UN5,OC2B,01/01/2013,M,WBRI,,
UN5,OC2C,02/02/2014,F,WIRI,0,
UN5,OC2D,03/03/2016,M,MWBC,,
UN5,OC2E,04/04/2017,F,BCRB,0,
UN5,ADP1,01/01/2020,M,WBRI,,
UN5,ADP2,02/02/2020,F,WBRI,0,
UN5,ADP3,03/03/2021,M,MOTH,,
UN5,ADP4,04/04/2021,F,AOTH,0,
UN5,ADP5,05/05/2022,M,CHNE,,
UN5,MOVE1,06/06/2011,F,WBRI,0,
""" + "".join(f"UN5,CL{n:02d},{care_leaver_dob(n)},{'MF'[n % 2]},WBRI,,\n" for n in range(1, 36))

EPISODES = """CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
RET01,15/02/2024,S,V2,N5,U6,PR1,20/05/2024,E4A,,ng15dt,NG7  2UH,sc101111
RET01,01/09/2024,S,C1,N1,U6,PR2,14/11/2024,X1,,NG1 5DT,NG5 1PB,SC102222
RET01,14/11/2024,L,C2,N1,U6,PR2,,,,NG1 5DT,NG5 1PB,SC102222
X1CHN,03/04/2024,S,L2,N1,U6,PR1,20/04/2024,X1,CARPL,NG1 5DT,NG8 1BB,SC103333
X1CHN,20/04/2024,B,C1,N1,K2,PR4,01/06/2024,X1,,NG1 5DT,NG3 1AA,SC104444
X1CHN,01/06/2024,L,C2,N1,K2,PR4,15/07/2024,X1,PLACE,NG1 5DT,NG3 1AA,SC104444
X1CHN,15/07/2024,T,C2,N1,S1,PR4,01/08/2024,X1,CHILD,NG1 5DT,NG11 8NS,SC105555
X1CHN,01/08/2024,P,C2,N1,U4,PR1,10/08/2024,X1,,NG1 5DT,NG6 8AA,SC106666
X1CHN,10/08/2024,P,C2,N1,T1,,17/08/2024,X1,,NG1 5DT,NG2 1AE,
X1CHN,17/08/2024,P,C2,N1,U4,PR1,01/10/2024,X1,CARPL,NG1 5DT,NG1 6AA,SC108888
X1CHN,01/10/2024,U,E1,N1,A5,PR1,20/02/2025,E11,,NG1 5DT,NG8 2AA,SC109999
RESP1,05/04/2024,S,V3,N2,K2,PR1,08/04/2024,E8,,,,
RESP1,10/05/2024,S,V3,N2,K2,PR1,12/05/2024,E8,,,,
RESP1,07/03/2025,S,V3,N2,K2,PR1,09/03/2025,E8,,,,
RESP2,01/02/2024,S,V4,N2,R3,PR3,,,,,,
BABY1,22/11/2023,S,C1,N1,U3,PR1,05/03/2025,X1,CARPL,NG1 5DT,NG7 2UH,SC111110
BABY1,5/3/2025,P,C1,N1,U5,PR1,,,,NG1 5DT,NG5 1PB,SC112221
TURN4,15/01/2024,s,c2,n1,u1,pr1,,,,NG1 5DT,NG8 1BB,SC113332
UASC1,10/06/2024,S,V2,N8,K3,PR4,,,,,NG3 1AA,SC114443
UASC2,01/05/2023,S,V2,N8,H5,PR4,15/03/2025,E17,,,NG11 8NS,SC115554
SEXU1,01/04/2024,S,L1,N6,K2,PR1,03/04/2024,X1,,NG1 5DT,NG6 8AA,SC116665
SEXU1,03/04/2024,L,J2,N6,K2,PR1,04/04/2024,X1,,NG1 5DT,NG6 8AA,SC116665
SEXU1,04/04/2024,L,J1,N6,K2,PR1,20/06/2024,E14,,NG1 5DT,NG6 8AA,SC116665
SEXU1,01/09/2024,S,J3,N6,R5,PR3,31/03/2025,E9,,NG1 5DT,NG2 1AE,
PARNT,01/02/2025,S,C1,N3,P1,PR0,,,,NG1 5DT,NG1 5DT,
L3KID,10/10/2024,S,L3,N4,R2,PR3,15/10/2024,X1,CARPL,NG1 5DT,NG1 6AA,
L3KID,15/10/2024,B,V2,N4,U2,PR2,20/12/2024,E41,,NG1 5DT,NG8 2AA,SC121109
OLDEP,02/03/2015,S,C2,N1,U4,PR1,31/01/2025,E5,,NG1 5DT,NG7 2UH,SC122220
TEMP1,01/12/2023,S,C2,N7,U6,PR5,01/05/2024,X1,,NG1 5DT,NG5 1PB,SC123331
TEMP1,01/05/2024,P,C2,N7,T0,,05/05/2024,X1,,NG1 5DT,NG8 1BB,
TEMP1,05/05/2024,P,C2,N7,U6,PR5,01/07/2024,X1,,NG1 5DT,NG3 1AA,SC125553
TEMP1,01/07/2024,P,C2,N7,T2,,10/07/2024,X1,,NG1 5DT,NG11 8NS,
TEMP1,10/07/2024,P,C2,N7,U6,PR5,01/09/2024,X1,,NG1 5DT,NG6 8AA,SC127775
TEMP1,01/09/2024,P,C2,N7,T3,,08/09/2024,X1,,NG1 5DT,NG2 1AE,
TEMP1,08/09/2024,P,C2,N7,U6,PR5,01/11/2024,X1,,NG1 5DT,NG1 6AA,SC129997
TEMP1,01/11/2024,P,C2,N7,T4,,04/11/2024,X1,,NG1 5DT,NG8 2AA,
TEMP1,04/11/2024,P,C2,N7,U6,PR5,,,,NG1 5DT,NG7 2UH,SC132219
FIL01,01/06/2023,S,E1,N1,A3,PR1,15/01/2025,E12,,NG1 5DT,NG5 1PB,SC133330
FIL02,10/07/2024,S,V2,N4,A4,PR2,12/08/2024,E2,,NG1 5DT,NG8 1BB,SC134441
FIL03,20/04/2024,S,E1,N5,A6,PR2,30/09/2024,E3,,NG1 5DT,NG3 1AA,SC135552
FIL04,15/05/2024,S,V2,N4,P2,PR4,01/08/2024,E4B,,NG1 5DT,NG11 8NS,SC136663
FIL05,01/06/2024,S,V2,N3,P3,PR5,02/09/2024,E13,,NG1 5DT,NG6 8AA,
FIL06,01/03/2024,S,C1,N1,U3,PR1,10/04/2024,E45,,NG1 5DT,NG2 1AE,SC138885
FIL07,02/02/2024,S,C2,N1,U6,PR1,03/06/2024,E46,,NG1 5DT,NG1 6AA,SC139996
FIL08,05/05/2024,S,C2,N1,K1,PR2,06/06/2024,E47,,NG1 5DT,CF10 1EP,
FIL09,07/07/2024,S,C2,N1,U2,PR1,08/08/2024,E48,,NG1 5DT,NG7 2UH,SC142218
FIL10,01/04/2023,S,V2,N6,K2,PR4,30/04/2024,E6,,NG1 5DT,NG5 1PB,SC143329
FIL11,01/05/2024,S,V2,N2,R1,PR5,30/06/2024,E7,,NG1 5DT,NG8 1BB,
FIL12,01/06/2024,S,V2,N8,K3,PR4,15/06/2024,E15,,NG1 5DT,NG3 1AA,SC145551
FIL13,20/08/2024,S,V2,N5,U6,PR1,20/09/2024,E16,,NG1 5DT,DE1 1AA,SC146662
OC2B,01/06/2022,S,C2,N1,U1,PR1,,,,NG1 5DT,NG8 1BB,SC113332
OC2C,01/06/2022,S,C2,N2,U4,PR2,,,,NG1 5DT,NG7 2UH,SC101111
OC2D,15/03/2024,S,C2,N1,U6,PR1,,,,NG1 5DT,NG5 1PB,SC102222
OC2E,01/01/2022,S,C1,N3,U1,PR1,,,,NG1 5DT,NG3 1AA,SC104444
ADP1,01/05/2024,S,E1,N1,A4,PR1,01/03/2025,E11,,NG1 5DT,NG5 1PB,SC133330
ADP2,02/05/2024,S,E1,N1,A6,PR1,02/03/2025,E12,,NG1 5DT,NG8 1BB,SC134441
ADP3,03/05/2024,S,E1,N1,A3,PR1,03/03/2025,E11,,NG1 5DT,NG3 1AA,SC135552
ADP4,04/05/2024,S,E1,N1,A5,PR1,04/03/2025,E12,,NG1 5DT,NG7 2UH,SC136663
ADP5,05/05/2024,S,E1,N1,A4,PR1,05/03/2025,E11,,NG1 5DT,NG6 8AA,SC133330
MOVE1,01/04/2024,S,C2,N1,U6,PR5,01/05/2024,X1,CLOSE,NG1 5DT,NG5 1PB,SC151111
MOVE1,01/05/2024,P,C2,N1,U4,PR1,01/06/2024,X1,ALLEG,NG1 5DT,NG8 1BB,SC152222
MOVE1,01/06/2024,P,C2,N1,U6,PR5,01/07/2024,X1,STAND,NG1 5DT,NG3 1AA,SC153333
MOVE1,01/07/2024,P,C2,N1,U4,PR1,01/08/2024,X1,APPRR,NG1 5DT,NG11 8NS,SC154444
MOVE1,01/08/2024,P,C2,N1,U6,PR5,01/09/2024,X1,CREQB,NG1 5DT,NG6 8AA,SC155555
MOVE1,01/09/2024,P,C2,N1,U4,PR1,01/10/2024,X1,CREQO,NG1 5DT,NG2 1AE,SC156666
MOVE1,01/10/2024,P,C2,N1,U6,PR5,01/11/2024,X1,CUSTOD,NG1 5DT,NG1 6AA,SC157777
MOVE1,01/11/2024,P,C2,N1,Z1,,01/12/2024,X1,OTHER,NG1 5DT,NG8 2AA,
MOVE1,01/12/2024,P,C2,N1,U4,PR1,02/01/2025,X1,LAREQ,NG1 5DT,NG7 2UH,SC158888
MOVE1,02/01/2025,P,C2,N1,U6,PR5,,,,NG1 5DT,NG5 1PB,SC159999
"""

REVIEWS = """CHILD,DOB,REVIEW,REVIEW_CODE
RET01,12/03/2010,10/04/2024,PN1
RET01,12/03/2010,27/09/2024,PN5
RET01,12/03/2010,20/12/2024,PN2
X1CHN,05/07/2012,30/04/2024,PN1
X1CHN,05/07/2012,29/07/2024,PN3
X1CHN,05/07/2012,20/01/2025,PN6
BABY1,20/11/2023,16/05/2024,pn0
BABY1,20/11/2023,14/11/2024,PN0
TURN4,10/10/2020,5/7/2024,PN0
TURN4,10/10/2020,03/01/2025,PN1
UASC1,02/02/2008,04/07/2024,PN1
UASC1,02/02/2008,02/10/2024,PN7
UASC2,15/03/2007,01/05/2024,PN2
UASC2,15/03/2007,30/10/2024,PN4
SEXU1,01/01/2011,30/04/2024,PN1
SEXU1,01/01/2011,27/09/2024,PN2
PARNT,08/08/2009,25/02/2025,PN5
L3KID,03/03/2013,08/11/2024,PN6
OLDEP,01/01/2007,01/06/2024,PN1
OLDEP,01/01/2007,28/11/2024,PN7
TEMP1,06/06/2011,20/05/2024,PN3
TEMP1,06/06/2011,15/11/2024,PN4
FIL03,12/12/2012,10/05/2024,PN1
FIL10,10/03/2007,20/04/2024,PN7
"""

UASC = """CHILD,SEX,DOB,DUC
UASC1,M,02/02/2008,
UASC2,F,15/03/2007,15/03/2025
"""

OC2 = """CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED
BABY1,20/11/2023,,,,1,1,0,1,0,,
TURN4,10/10/2020,,SDQ1,,0,1,1,1,0,,
TEMP1,06/06/2011,40,,1,,1,1,1,1,1,
OC2B,01/01/2013,,SDQ2,0,,0,1,1,1,0,1
OC2C,02/02/2014,,SDQ3,0,,1,0,1,1,0,0
OC2D,03/03/2016,07,,,,1,1,0,0,,
OC2E,04/04/2017,,SDQ5,,,1,1,1,0,,
MOVE1,06/06/2011,12,,0,,1,1,1,0,,
"""

# Every IN_TOUCH, ACTIV and ACCOM code; in touch (YES) never with 0, died and returned home
# (DIED, RHOM) with 0 for both.
ACCOMMODATION = "B1 B2 C1 C2 D1 D2 E1 E2 G1 G2 H1 H2 K1 K2 R1 R2 S2 T1 T2 U1 U2 V1 V2 W1 W2 X2 Y1 Y2 Z1 Z2".split()
ACTIVITIES = "F1 P1 F2 P2 F4 P4 F5 P5 G4 G5 G6".split()
CARE_LEAVERS = [("YES", ACTIVITIES[n % 11], accommodation) for n, accommodation in enumerate(ACCOMMODATION)] + [
    ("NO", "0", "0"),
    ("DIED", "0", "0"),
    ("RHOM", "0", "0"),
    ("REFU", "G5", "R1"),
    ("NREQ", "F4", "U1"),
]
# The care leavers not looked after in the year, and FIL10, who left care in it before turning 18.
OC3 = (
    "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n"
    + "".join(
        f"CL{n:02d},{care_leaver_dob(n)},{in_touch},{activity},{accommodation}\n"
        for n, (in_touch, activity, accommodation) in enumerate(CARE_LEAVERS, start=1)
    )
    + "FIL10,10/03/2007,NO,G4,B2\n"
)

AD1 = """CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR
X1CHN,05/07/2012,15/09/2024,20/09/2024,1,1,M1,L0
FIL01,01/02/2020,01/06/2023,01/06/2023,1,1,F1,L0
ADP1,01/01/2020,01/05/2024,01/05/2024,0,2,MF,L11
ADP2,02/02/2020,02/05/2024,02/05/2024,0,2,MM,L12
ADP3,03/03/2021,03/05/2024,03/05/2024,1,2,FF,L2
ADP4,04/04/2021,04/05/2024,04/05/2024,1,2,MF,L3
ADP5,05/05/2022,05/05/2024,05/05/2024,0,2,FF,L4
"""

# Every REASON_PLACED_CEASED code; decisions made before the year and still open in it; two
# decisions of one child, the first reversed before the second.
PLACED_ADOPTION = """CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED
X1CHN,05/07/2012,15/09/2024,,
FIL01,01/02/2020,01/06/2023,,
FIL02,03/04/2015,10/07/2024,12/08/2024,RD1
FIL03,12/12/2012,20/04/2024,30/09/2024,RD2
RET01,12/03/2010,01/10/2024,01/12/2024,RD3
RET01,12/03/2010,01/01/2025,01/02/2025,RD4
ADP1,01/01/2020,01/05/2024,,
ADP2,02/02/2020,02/05/2024,,
ADP3,03/03/2021,03/05/2024,,
ADP4,04/04/2021,04/05/2024,,
ADP5,05/05/2022,05/05/2024,,
"""

# Every child who started care in the year; every PREV_PERM code, LA_PERM as a number, 999
# and the four countries, DATE_PERM with an unknown day, month or both.
PREV_PERM = """CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM
RET01,12/03/2010,P1,301,01/02/2020
X1CHN,05/07/2012,P2,WAL,ZZ/03/2018
RESP1,14/09/2016,Z1,,
UASC1,02/02/2008,Z1,,
SEXU1,01/01/2011,P3,999,ZZ/ZZ/2019
PARNT,08/08/2009,P4,SCO,12/05/2015
L3KID,03/03/2013,Z1,,
FIL02,03/04/2015,P1,NIR,01/01/2021
FIL03,12/12/2012,P2,NUK,15/07/2016
FIL04,04/04/2014,Z1,,
FIL05,05/05/2010,Z1,,
FIL08,08/08/2012,Z1,,
FIL09,09/09/2017,Z1,,
FIL11,11/11/2006,Z1,,
FIL12,12/01/2008,Z1,,
FIL13,13/01/2010,Z1,,
ADP1,01/01/2020,Z1,,
ADP2,02/02/2020,Z1,,
ADP3,03/03/2021,Z1,,
ADP4,04/04/2021,Z1,,
ADP5,05/05/2022,Z1,,
MOVE1,06/06/2011,Z1,,
"""

# Missing and away: one starting before the year, one ending on its last day, two of one child
# (the DfE's validator wants an end to every episode of a child whose placement it finds ended,
# rule 575, so none is left open here).
MISSING = """CHILD,DOB,MISSING,MIS_START,MIS_END
RET01,12/03/2010,M,01/10/2024,03/10/2024
RET01,12/03/2010,A,05/12/2024,06/12/2024
TEMP1,06/06/2011,M,15/03/2024,05/04/2024
TEMP1,06/06/2011,M,20/03/2025,25/03/2025
X1CHN,05/07/2012,A,01/05/2024,02/05/2024
OC2B,01/01/2013,A,28/03/2025,31/03/2025
"""

FILES = {
    "header.csv": HEADER,
    "episodes.csv": EPISODES,
    "reviews.csv": REVIEWS,
    "uasc.csv": UASC,
    "oc2.csv": OC2,
    "oc3.csv": OC3,
    "ad1.csv": AD1,
    "placed_for_adoption.csv": PLACED_ADOPTION,
    "previous_permanence.csv": PREV_PERM,
    "missing.csv": MISSING,
}


def snapshot():
    """The portal's records that the return carries, in a comparable form."""
    children = list(
        Child.objects.order_by("local_child_id").values_list(
            "local_child_id",
            "date_of_birth",
            "sex",
            "ethnicity",
            "upn",
            "is_uasc",
            "uasc_ceased_on",
            "is_mother",
            "first_child_date_of_birth",
        )
    )
    episodes = list(
        CareEpisode.objects.order_by("child__local_child_id", "start_date").values_list(
            "child__local_child_id",
            "start_date",
            "reason_for_new_episode",
            "legal_status",
            "category_of_need",
            "placement_type",
            "placement_provider",
            "end_date",
            "reason_episode_ceased",
            "reason_for_placement_change",
        )
    )
    held = list(
        Review.objects.filter(kind=ReviewKind.LAC, status=ReviewStatus.HELD)
        .order_by("child__local_child_id", "held_on")
        .values_list("child__local_child_id", "held_on", "participation_code", "number", "cycle_start", "due_date")
    )
    outstanding = list(
        Review.objects.filter(kind=ReviewKind.LAC)
        .exclude(status=ReviewStatus.HELD)
        .order_by("child__local_child_id", "due_date")
        .values_list("child__local_child_id", "status", "due_date", "number", "cycle_start")
    )
    outcomes = [
        list(model.objects.order_by("child__local_child_id", *order).values_list("child__local_child_id", *fields))
        for model, order, fields in (
            (HealthRecord, ["year"], HEALTH_FIELDS),
            (CareLeaverRecord, ["year"], ("year", "in_touch", "activity", "accommodation")),
            (Adoption, ["matched_on"], ADOPTION_FIELDS),
            (AdoptionDecision, ["decided_on"], ("decided_on", "ceased_on", "reason_ceased")),
            (PreviousPermanence, [], ("order", "arranged_by", "order_date")),
            (MissingEpisode, ["start_date"], ("kind", "start_date", "end_date")),
        )
    ]
    return children, episodes, held, outstanding, outcomes


HEALTH_FIELDS = (
    "year",
    "sdq_score",
    "sdq_reason",
    "convicted",
    "health_check",
    "immunisations",
    "teeth_check",
    "health_assessment",
    "substance_misuse",
    "intervention_received",
    "intervention_offered",
)
ADOPTION_FIELDS = (
    "decided_on",
    "matched_on",
    "by_former_foster_carers",
    "number_of_adopters",
    "adopters_sex",
    "adopters_legal_status",
)


def import_ok(files, by):
    result = import_return({name: text.encode() for name, text in files.items()}, by=by)
    assert result.errors == [], "\n".join(
        f"{e.file} row {e.row} {e.child} {e.column}: {e.message}" for e in result.errors
    )
    return result


@pytest.fixture
def manager(db):
    return ManagerFactory()


def test_import_export_import_export_gives_identical_files(manager):
    first_import = import_ok(FILES, manager)
    assert first_import.children_created == 71
    assert (first_import.health_records, first_import.care_leaver_records, first_import.adoptions) == (8, 36, 7)
    assert (first_import.adoption_decisions, first_import.previous_permanences) == (11, 22)
    assert first_import.missing_episodes == 6
    first = export_return(2025)
    assert first.problems == []
    assert [(q.child, q.rule) for q in first.queries] == [("SEXU1", "232")]
    assert sorted(first.files) == [
        "ad1.csv",
        "episodes.csv",
        "header.csv",
        "missing.csv",
        "oc2.csv",
        "oc3.csv",
        "placed_for_adoption.csv",
        "previous_permanence.csv",
        "reviews.csv",
        "uasc.csv",
    ]
    records = snapshot()
    assert not import_ok(first.files, manager).changed  # the portal's own export changes nothing
    assert snapshot() == records

    Child.objects.all().delete()
    assert not CareEpisode.objects.exists() and not Review.objects.exists()

    import_ok(first.files, manager)
    second = export_return(2025)
    assert second.problems == []
    assert second.files == first.files
    assert snapshot() == records


def test_the_hand_made_files_follow_the_portals_rules():
    """Everything but the codings the import accepts and the export writes its own way (SEX 1
    and 2 in a 2024/25 return)."""
    tables = {}
    for name, text in FILES.items():
        table, rows = read_csv(text.encode(), name)
        tables[table] = [values for _, values in rows]
    errors, queries = rules.check_return(rules.ReturnData(2025, **tables))
    assert [(p.child, p.rule) for p in errors] == [("RESP1", "101"), ("X1CHN", "101")]
    assert [(p.child, p.rule) for p in queries] == [("SEXU1", "232")]


OUTCOME_TABLE_NAMES = {"OC2", "OC3", "AD1", "PlacedAdoption", "PrevPerm", "Missing"}


@pytest.mark.usefixtures("dfe_validator")
def test_the_hand_made_outcome_tables_follow_the_dfe_validator():
    report = dfe_check.check_with_dfe(FILES, 2025)
    assert [issue for issue in report.errors if issue.table in OUTCOME_TABLE_NAMES] == []


def test_the_export_writes_the_hand_made_data_in_the_dfe_form(manager):
    import_ok(FILES, manager)
    files = export_return(2025).files
    header = files["header.csv"].splitlines()
    assert header[0] == "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
    assert "X1CHN,M,05/07/2012,WBRI,UN3,," in header  # SEX 1 read as M, written in the 2024/25 coding
    assert "RET01,F,12/03/2010,MWBC,A801200112001,0," in header
    assert "PARNT,F,08/08/2009,MWAS,UN3,1,12/12/2024" in header
    assert "RESP1,F,14/09/2016,WIRI,UN2,," in header  # short breaks only: MOTHER blank (rule 399)
    assert "TURN4,M,10/10/2020,CHNE,UN1,," in header  # a boy: MOTHER blank
    episodes = files["episodes.csv"].splitlines()
    # Postcodes and URNs written the usual way.
    assert "RET01,15/02/2024,S,V2,N5,U6,PR1,20/05/2024,E4A,,NG1 5DT,NG7 2UH,SC101111" in episodes
    assert "BABY1,05/03/2025,P,C1,N1,U5,PR1,,,,NG1 5DT,NG5 1PB,SC112221" in episodes
    assert "TURN4,15/01/2024,S,C2,N1,U1,PR1,,,,NG1 5DT,NG8 1BB,SC113332" in episodes
    assert "FIL08,05/05/2024,S,C2,N1,K1,PR2,06/06/2024,E47,,NG1 5DT,CF10 1EP," in episodes  # Wales: no URN
    assert len(episodes) == 1 + EPISODES.count("\n") - 1
    reviews = files["reviews.csv"].splitlines()
    assert "TURN4,10/10/2020,05/07/2024,PN0" in reviews
    assert not any(line.startswith(("RESP1", "RESP2")) for line in reviews)  # short breaks: no reviews
    assert len(reviews) == REVIEWS.count("\n")
    # DUC: the 18th birthday, as the DfE wants it for a child UASC in two returns (rule 205B).
    assert (
        files["uasc.csv"] == "CHILD,SEX,DOB,DUC\r\nUASC1,M,02/02/2008,02/02/2026\r\nUASC2,F,15/03/2007,15/03/2025\r\n"
    )
    # 2023/24: the children looked after before 1 April 2024, SEX coded 1/2, episodes that ceased
    # after 31 March 2024 written open (the rows as the export builds them: the portal holds no
    # outcome records for that year, so the DfE's rules would refuse the return itself).
    earlier = build_rows(2024)
    assert [[row["CHILD"], row["SEX"]] for row in earlier.header] == [
        ["BABY1", "2"],
        ["FIL01", "1"],
        ["FIL06", "2"],
        ["FIL07", "1"],
        ["FIL10", "2"],
        ["OC2B", "1"],
        ["OC2C", "2"],
        ["OC2D", "1"],
        ["OC2E", "2"],
        ["OLDEP", "1"],
        ["RESP2", "1"],
        ["RET01", "2"],
        ["TEMP1", "2"],
        ["TURN4", "1"],
        ["UASC2", "2"],
    ]
    assert (
        "RET01,15/02/2024,S,V2,N5,U6,PR1,,,,NG1 5DT,NG7 2UH,SC101111"
        in write_csv("episodes", earlier.episodes).splitlines()
    )


def test_a_period_of_care_that_began_before_the_year_round_trips(manager):
    files = dict(FILES)
    files["episodes.csv"] = EPISODES + (
        "FIL99,01/01/2024,S,V2,N5,U6,PR1,01/03/2024,X1,CARPL,NG1 5DT,NG7 2UH,SC991111\n"
        "FIL99,01/03/2024,P,V2,N5,U4,PR1,,,,NG1 5DT,NG5 1PB,SC992222\n"
    )
    files["header.csv"] = HEADER + "UN5,FIL99,01/01/2012,F,WBRI,0,\n"
    files["oc2.csv"] = OC2 + "FIL99,01/01/2012,12,,0,,1,1,1,0,,\n"  # looked after all year
    import_ok(files, manager)
    first = export_return(2025)
    assert first.problems == []
    assert "FIL99,01/03/2024,P,V2,N5,U4,PR1,,,,NG1 5DT,NG5 1PB,SC992222" in first.files["episodes.csv"].splitlines()
    Child.objects.all().delete()
    import_ok(first.files, manager)
    assert export_return(2025).files == first.files
