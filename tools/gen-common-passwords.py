#!/usr/bin/env python3
"""Writes data/common-passwords.txt: common and breached passwords of 15 or more
characters, one a line, lower-case UTF-8, sorted by bytes, no duplicates.

The portal refuses a new password found in this list (src/auth/password.c,
SECURITY.md A1). Shorter passwords are left out: the length rule refuses them
already. The checker also looks each password up with spaces and punctuation
removed and with digits and symbols trimmed from both ends, so the list holds
each phrase once, without separators, and need not spell out every suffix.

Where the entries come from:
  - LONG_KNOWN: long passwords that recur in public breach corpora (RockYou,
    LinkedIn 2012, Adobe 2013, the Collection #1 compilations) and in the
    published top-lists drawn from them, written from those public lists;
  - combinations attackers try first: the most common short passwords and
    words doubled and tripled, joined in pairs, followed by number runs,
    years and the usual symbols; phrases ("iloveyou..."); sports clubs and
    cities with years and numbers; keyboard walks with their common twists;
    number patterns;
  - words of this portal's world (the United Nations, ministries, cyber
    diplomacy) with years and numbers, which its users are likely to try.

Run it from the repository root: python3 tools/gen-common-passwords.py
The output is committed; rerun and commit both when this script changes.
"""
import itertools
import os
import sys

MIN_CHARS = 15

LONG_KNOWN = """
passwordpassword password1password1 iloveyouiloveyou iloveyousomuch iloveyouforever
iloveyoubaby iloveyoutoo iloveyoumore iloveyouall iloveyoumom iloveyoudad iloveyougod
iloveyoujesus iloveyoumorethanyouknow iloveyoutothemoonandback iloveyouwithallmyheart
ihateyouihateyou ihateyoutoo lovelovelovelove babygirlbabygirl princessprincess
correcthorsebatterystaple thequickbrownfox thequickbrownfoxjumpsoverthelazydog
abcdefghijklmnop abcdefghijklmnopqrstuvwxyz abcdefghijklmno qwertyuiopasdfgh
qwertyuiopasdfghjkl qwertyuiopasdfghjklzxcvbnm 1qaz2wsx3edc4rfv 1qaz2wsx3edc4rfv5tgb
zaq12wsxcde34rfv zaq1xsw2cde3vfr4 1q2w3e4r5t6y7u8i 1q2w3e4r5t6y7u8i9o0p
manchesterunited manchesterunited1 liverpoolfootballclub christianronaldo
cristianoronaldo cristianoronaldo7 michaeljordan23 michaeljackson1 justinbieber123
harrypotter12345 onedirection1234 spongebobsquarepants spongebobsquarepant
jesuschristislord jesusismysavior jesusismysaviour jesusismylord godisgoodallthetime
godisgreatallthetime godisgood123456 jesuslovesme123 blessedandhighlyfavored
thisismypassword mypasswordisstrong mypasswordispassword thisisapassword
thisisnotmypassword passwordispassword passwordisnotpassword changemechangeme
pleasechangeme123 changeyourpassword letmeinletmein123 letmeinplease123
welcomewelcome123 administrator123 administrator1234 administratorpassword
superadministrator rootpassword1234 defaultpassword1 defaultpassword123
temporarypassword temppassword1234 newpassword12345 newpasswordnewpassword
forgotmypassword iforgotmypassword idontknowmypassword nopasswordneeded
supersecretpassword supersecurepassword verysecurepassword strongpassword123
passwordstrong123 mystrongpassword averystrongpassword thisisasecret123
opensesameopensesame trustnoonetrustnoone trustno1trustno1 letitbeletitbe
donttrustanyone nevergonnagiveyouup nevergonnagiveyouupnevergonnaletyoudown
whatsmypassword whatismypassword whatisthepassword youshallnotpass
youshallnotpass123 maytheforcebewithyou usetheforceluke iamyourfather
beammeupscotty tobeornottobe tobeornottobethatisthequestion allyouneedislove
thereisnoplacelikehome hellohellohello helloworld12345 helloworldhelloworld
goodbyegoodbye happyhappyhappy happybirthday123 happybirthdaytoyou
merrychristmas123 merrychristmas2023 merrychristmas2024 happynewyear2024
happynewyear2025 summersummer123 wintersummerspringautumn autumnleaves123
lemonlemonlemon chocolatechocolate chocolatecake123 strawberryfields
strawberryshortcake watermelonwatermelon pineappleexpress pepperonipizza123
blink182blink182 metallicametallica linkinparklinkinpark greenday123456
slipknotslipknot nirvananirvana123 ledzeppelin12345 pinkfloyd1234567
thebeatles12345 rollingstones123 ironmaiden666666 gunsnroses1987
starwarsstarwars starwars12345678 startrek12345678 lordoftherings123
gameofthrones123 breakingbad12345 thewalkingdead123 pokemonpokemon123
pikachupikachu minecraftminecraft minecraft123456 fortnite12345678
callofduty123456 worldofwarcraft counterstrike123 leagueoflegends1
playstation12345 playstation4pro xbox360xbox360 nintendo12345678
supermariobros123 batmanbatman123 supermansuperman spidermanspiderman
wolverinewolverine captainamerica1 ironmanironman123 blackpantherwakanda
dragonballz12345 narutonaruto123 onepiece12345678 hellokitty123456
tinkerbell123456 cinderella123456 sleepingbeauty12 princessdiana123
barbiebarbie123 hannahmontana123 highschoolmusical twilight12345678
edwardcullen1234 teamedwardcullen teamjacob1234567 vampirediaries123
gossipgirl123456 greysanatomy1234 friendsforever1 bestfriendsforever
bestfriendforever bffbffbffbffbff myfamilyismylife familyfirst12345
familyforever123 mykidsaremylife mychildrenmylife mommyanddaddy123
mommylovesyou123 daddysgirl123456 daddyslittlegirl mamaandpapa12345
grandmagrandpa12 ilovemyfamily123 ilovemymom123456 ilovemydad123456
ilovemykids12345 ilovemywife12345 ilovemyhusband12 ilovemyboyfriend
ilovemygirlfriend ilovemydog123456 ilovemycat123456 ilovemyself12345
ilovejesuschrist ilovegod12345678 ilovemusic123456 ilovefootball123
ilovesoccer12345 ilovebasketball ilovechocolate12 iloveyoubabe1234
""".split()

# The most common short passwords of the big corpora, as bases.
COMMON_BASES = """
password passw0rd p@ssw0rd p@ssword pa$$word password1 password12 password123
iloveyou iloveu princess sunshine football baseball basketball soccer hockey
welcome monkey dragon master qwerty qwertyuiop asdfgh asdfghjkl zxcvbnm letmein
trustno1 shadow superman batman michael jordan jennifer jessica ashley daniel
charlie thomas robert joshua andrew matthew hunter ranger buster tigger
pepper ginger maggie bailey lucky cookie chocolate butterfly flower angel
angels babygirl lovely loveme lover love123 hello hello123 freedom whatever
qazwsx 123qwe 1qaz2wsx zaq12wsx abc123 abcdef abcd1234 aaaaaa 111111 123123
123456 1234567 12345678 123456789 1234567890 654321 987654321 666666 777777
888888 121212 112233 696969 159753 147258 000000 computer internet secret
starwars access mustang harley ranger killer summer winter spring autumn
hannah samantha jasmine nicole amanda michelle elizabeth taylor austin
yankees lakers cowboys steelers eagles dolphins rangers liverpool arsenal
chelsea barcelona madrid juventus football1 soccer1 baseball1 superstar
rockstar pokemon naruto jesus christ blessed faith heaven godisgood
friends family forever money dollars diamond silver golden orange banana
apple cherry purple yellow monster matrix mercedes ferrari porsche bmw
corvette camaro nascar player gamer login admin administrator root toor
default changeme temp guest user test test123 testing demo sample
""".split()

# Words people join into "phrases".
PHRASE_WORDS = """
love life hope faith happy lucky sunny music dance money family friends
forever always never baby angel heart dream smile peace power secret
""".split()

SPORTS_AND_CITIES = """
manchesterunited manchestercity liverpoolfc arsenalfc chelseafc tottenham
tottenhamhotspur realmadrid barcelona fcbarcelona atleticomadrid juventus acmilan
intermilan bayernmunich bayernmunchen borussiadortmund parissaintgermain
olympiquedemarseille ajaxamsterdam celticglasgow rangersfc bocajuniors riverplate
flamengo corinthians palmeiras santosfc galatasaray fenerbahce besiktas
newyorkyankees bostonredsox chicagobulls losangeleslakers goldenstatewarriors
dallascowboys greenbaypackers pittsburghsteelers newenglandpatriots
newyork newyorkcity losangeles sanfrancisco chicago washington london
manchester liverpool birmingham edinburgh dublin paris marseille lyon berlin
munich hamburg frankfurt vienna geneva zurich brussels amsterdam rotterdam
copenhagen stockholm oslo helsinki moscow saintpetersburg kyiv warsaw prague
budapest bucharest sofia athens istanbul ankara rome milan naples madrid
barcelona lisbon cairo alexandria riyadh jeddah dubai abudhabi doha kuwait
tehran baghdad damascus beirut amman jerusalem telaviv karachi lahore delhi
newdelhi mumbai bangalore kolkata chennai dhaka colombo kathmandu bangkok
singapore kualalumpur jakarta manila hanoi hochiminh beijing shanghai
guangzhou shenzhen hongkong taipei seoul tokyo osaka sydney melbourne
auckland lagos abuja nairobi addisababa johannesburg capetown casablanca
algiers tunis tripoli accra dakar kinshasa luanda mexico mexicocity
bogota lima santiago buenosaires saopaulo riodejaneiro caracas havana
toronto montreal vancouver ottawa
""".split()

# This portal's world: what its users see every day.
PORTAL_WORDS = """
unitednations unitednation nationsunies
generalassembly securitycouncil secretarygeneral secretariat
unoda disarmament disarmamentaffairs nacionesunidas officefordisarmamentaffairs
openendedworkinggroup oewg groupofgovernmentalexperts
internationalsecurity informationsecurity informationtechnology
nationalsecurity diplomacy diplomat diplomats embassy consulate
ministryofforeignaffairs foreignaffairs foreignministry foreignoffice
ministryofdefence ministryofdefense ministryofjustice ministryofinterior
permanentmission permanentrepresentative delegation
newyorkheadquarters genevaoffice palaisdesnations
confidencebuildingmeasures capacitybuilding pointsofcontact
internetgovernance digitalcooperation digitaltransformation
computeremergencyresponseteam incidentresponse
""".split()

NUMBER_SUFFIXES = [
    "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678",
    "123456789", "1234567890", "0", "00", "000", "01", "007", "69", "99", "100",
    "111", "1111", "11111", "111111", "222", "333", "321", "4321", "54321",
    "654321", "987654321", "2", "3", "7", "13", "21", "22", "23", "24", "77",
    "88", "123123", "147258", "159753", "2468", "13579",
]
SYMBOL_SUFFIXES = ["!", "!!", "!!!", "@", "#", "$", "*", ".", "?", "!@#", "!@#$", "@123", "123!", "1!", "#1"]
YEARS = [str(y) for y in range(1950, 2031)]

KEYBOARD_WALKS = """
qwertyuiop asdfghjkl zxcvbnm 1234567890 qwertyuiopasdfghjklzxcvbnm
1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p qazwsxedcrfvtgbyhnujmikolp
zaq12wsxcde34rfvbgt56yhnmju78ik,.lo90p;/ 1q2w3e4r5t6y7u8i9o0p q1w2e3r4t5y6u7i8o9p0
azertyuiop qsdfghjklm wxcvbn qwertzuiop yxcvbnm
!qaz@wsx#edc$rfv%tgb !@#$%^&*() )(*&^%$#@!
""".split()


def walks():
    out = set()
    rows = ["qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "azertyuiop", "qwertzuiop"]
    for a, b in itertools.product(rows, repeat=2):
        out.add(a + b)
        out.add(a + b[::-1])
        out.add(a[::-1] + b)
    for r in rows:
        out.add(r + r)
        out.add(r + r[::-1])
        for n in NUMBER_SUFFIXES + SYMBOL_SUFFIXES:
            out.add(r + n)
            out.add(n + r)
    columns = ["1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/"]
    for start in range(len(columns)):
        for length in range(3, len(columns) - start + 1):
            seq = columns[start:start + length]
            out.add("".join(seq))
            out.add("".join(c[::-1] for c in seq))
            out.add("".join(seq[::-1]))
            out.add("".join(c.upper() if i % 2 else c for i, c in enumerate(seq)).lower())
    shifted = {"1": "!", "2": "@", "3": "#", "4": "$", "5": "%", "6": "^", "7": "&", "8": "*", "9": "(", "0": ")"}
    for start in range(len(columns)):
        for length in range(3, len(columns) - start + 1):
            seq = columns[start:start + length]
            out.add("".join(shifted[c[0]] + c[1:] for c in seq))
            out.add("".join((shifted[c[0]] + c[1:]) if i % 2 == 0 else c for i, c in enumerate(seq)))
            out.add("".join((shifted[c[0]] + c[1:]) if i % 2 else c for i, c in enumerate(seq)))
    # "1q2w3e4r..." and "q1w2e3r4..."
    top, second = "1234567890", "qwertyuiop"
    for n in range(8, 11):
        out.add("".join(a + b for a, b in zip(top[:n], second[:n])))
        out.add("".join(b + a for a, b in zip(top[:n], second[:n])))
    for w in KEYBOARD_WALKS:
        out.add(w)
        for n in NUMBER_SUFFIXES[:10] + SYMBOL_SUFFIXES[:5]:
            out.add(w + n)
    return out


def numbers():
    out = set()
    digits = "1234567890"
    for start in range(10):
        run = "".join(digits[(start + i) % 10] for i in range(30))
        for n in range(15, 21):
            out.add(run[:n])
            out.add(run[:n][::-1])
    for unit in ["123", "1234", "12345", "123456", "1212", "1122", "112233", "147258", "147258369",
                 "159357", "159753", "741852963", "789456123", "321", "4321", "54321", "2468", "13579",
                 "102030", "010203", "0123", "6969", "7777", "9876", "98765", "987654321", "0987654321",
                 "142536", "123654", "147852", "159951", "753951", "852456", "258456", "963852741"]:
        s = unit
        while len(s) < 24:
            s += unit
            if len(s) >= MIN_CHARS:
                out.add(s)
    for d in "0123456789":
        for n in range(15, 21):
            out.add(d * n)
    # Dates doubled and date runs: ddmmyyyy and yyyymmdd are 8 digits, too short alone.
    for y in range(1960, 2026):
        out.add("%d%d" % (y, y))
        out.add("0101%d0101%d" % (y, y))
        out.add("%d0101%d" % (y, y))
        out.add("%d%d%d" % (y, y + 1, y + 2))
    return out


def with_suffixes(word, extra=()):
    out = set()
    for s in itertools.chain(NUMBER_SUFFIXES, SYMBOL_SUFFIXES, YEARS, extra):
        out.add(word + s)
    for y in YEARS[30:]:
        out.add(word + y + "!")
        out.add(word + "@" + y)
    for n in ("123", "1234", "12345"):
        for sym in ("!", "!!", "@", "#"):
            out.add(word + n + sym)
    return out


def combinations():
    out = set()
    bases = COMMON_BASES
    for w in bases:
        for k in (2, 3, 4):
            out.add(w * k)
        out.update(with_suffixes(w))
        out.update(w + w + s for s in NUMBER_SUFFIXES + SYMBOL_SUFFIXES)
    # Pairs of the most common bases: a combinator attack's first pass.
    top = bases[:100]
    for a, b in itertools.product(top, repeat=2):
        out.add(a + b)
    for a, b in itertools.product(top[:40], repeat=2):
        for s in ("1", "123", "!", "1!", "12", "2024", "2025"):
            out.add(a + b + s)
    # "ilove..." / "iloveyou..." / "my...is..." phrases.
    objects = PHRASE_WORDS + bases[:80] + ["you", "me", "him", "her", "mom", "dad", "god", "jesus", "mylife",
                                           "myfamily", "mykids", "mywife", "myhusband", "mydog", "mycat",
                                           "mybaby", "mybabygirl", "myboyfriend", "mygirlfriend", "music",
                                           "football", "soccer", "chocolate", "pizza", "money", "sex"]
    for o in objects:
        for prefix in ("ilove", "iloveyou", "ihate", "imiss", "ineed", "iwant", "welove", "loveyou",
                       "ilovemy", "iamthe", "youare", "youaremy", "forever", "always", "onlyyou"):
            out.add(prefix + o)
            for s in ("1", "123", "!", "<3", "4ever", "forever"):
                out.add(prefix + o + s)
    for a, b in itertools.product(PHRASE_WORDS, repeat=2):
        out.add(a + b + a + b)
        for s in ("123", "1234", "123456", "2024", "!"):
            out.add(a + b + s)
    return out


def places():
    out = set()
    for w in SPORTS_AND_CITIES:
        out.add(w)
        out.update(with_suffixes(w, ["fc", "fc1", "4ever", "forever", "city", "city1", "rules", "champions"]))
    return out


def portal():
    out = set()
    for w in PORTAL_WORDS:
        out.add(w)
        out.update(with_suffixes(w, ["un", "un1", "ny", "gva", "hq"]))
        for s in ("password", "pass", "login", "admin", "secure", "security", "portal", "access"):
            out.add(w + s)
            out.add(s + w)
            for y in ("2023", "2024", "2025", "2026", "123", "1", "!"):
                out.add(w + s + y)
    for a in ("welcome", "password", "secure", "login", "admin", "hello", "my", "the", "our", "un"):
        for b in ("unitednations", "totheportal", "theportal", "portal", "diplomacy",
                  "securitycouncil", "generalassembly", "foreignaffairs", "ministry", "embassy",
                  "mission", "delegation", "secretariat", "newyork", "geneva"):
            out.add(a + b)
            for y in ("1", "123", "2024", "2025", "2026", "!", "@2024", "@2025"):
                out.add(a + b + y)
    return out


def is_separator(c):
    return c < "\x80" and not c.isalnum()


def strip_separators(s):
    return "".join(c for c in s if not is_separator(c))


def core(s):
    """s without digits and separators at either end, as the checker trims it."""
    a, b = 0, len(s)
    while a < b and (s[a] in "0123456789" or is_separator(s[a])):
        a += 1
    while b > a and (s[b - 1] in "0123456789" or is_separator(s[b - 1])):
        b -= 1
    return s[a:b]


def variants(s):
    """What the checker looks up besides s itself (src/auth/password.c)."""
    stripped = strip_separators(s)
    return {v for v in (core(s), stripped, core(stripped)) if v and v != s}


def prune(entries):
    """Drops entries the checker finds anyway through a shorter entry.

    The variants of a variant are variants of the entry, so keeping the
    shortest first never loses a match."""
    kept = set()
    for e in sorted(entries, key=lambda s: (len(s), s)):
        if not variants(e) & kept:
            kept.add(e)
    return kept


def main():
    entries = set()
    for e in LONG_KNOWN:
        entries.add(e)
    for group in (walks(), numbers(), combinations(), places(), portal()):
        entries.update(group)
    cleaned = set()
    for e in entries:
        e = e.strip().lower()
        if len(e) >= MIN_CHARS and "\t" not in e and "\n" not in e and e.isprintable():
            cleaned.add(e)
    lines = sorted(prune(cleaned), key=lambda s: s.encode("utf-8"))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "data", "common-passwords.txt")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")
    print("%s: %d passwords" % (os.path.relpath(path, root), len(lines)), file=sys.stderr)


if __name__ == "__main__":
    main()
