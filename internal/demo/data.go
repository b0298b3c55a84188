package demo

// This file holds the sample people and texts. All addresses use the
// reserved .example top-level domain so no real mailbox is ever reached.

type agentSpec struct {
	email, name string
	admin       bool
	teams       []int // indexes into teamNames
}

var teamNames = []string{"Support", "Billing", "Technical"}

var agentSpecs = []agentSpec{
	{AdminEmail, "Maja Novak", true, []int{0, 1}},
	{"tomas@switchboard.example", "Tomás Rivera", false, []int{0}},
	{"ingrid@switchboard.example", "Ingrid Berg", false, []int{0, 2}},
	{"luka@switchboard.example", "Luka Petrović", false, []int{2}},
	{"sofia@switchboard.example", "Sofia Andersson", false, []int{1}},
	{"daniel@switchboard.example", "Daniel Okafor", false, []int{2, 0}},
}

type companySpec struct{ name, domain string }

var companySpecs = []companySpec{
	{"Jadran Travel d.o.o.", "jadran-travel.example"},
	{"Baltic Amber UAB", "baltic-amber.example"},
	{"Olympia Logistics A.E.", "olympia-logistics.example"},
	{"Alpska Pekarna d.o.o.", "alpska-pekarna.example"},
	{"Northwind Outfitters", "northwind.example"},
	{"Brightside Dental", "brightside-dental.example"},
	{"Kestrel Software Ltd", "kestrel-software.example"},
	{"Maple & Finch Books", "maplefinch.example"},
	{"Harbor Street Cafés", "harborstreet.example"},
	{"Vilnius Print House", "vilnius-print.example"},
	{"Aegean Yachting", "aegean-yachting.example"},
	{"Riverbend Clinics", "riverbend.example"},
}

// contactSpec describes a customer. company is an index into companySpecs
// or -1; lang is en, hr, lt, el or sl.
type contactSpec struct {
	name, user string
	company    int
	lang       string
	phones     []string
}

var contactSpecs = []contactSpec{
	{"Ivana Kovačević", "ivana.kovacevic", 0, "hr", []string{"+385 1 555 0142", "+385 91 555 0199"}},
	{"Marko Babić", "marko.babic", 0, "hr", []string{"+385 21 555 0110"}},
	{"Petra Jurić", "petra.juric", -1, "hr", []string{"+385 98 555 0123"}},
	{"Tomislav Horvat", "tomislav", 0, "hr", nil},
	{"Rūta Kazlauskienė", "ruta.k", 1, "lt", []string{"+370 5 555 0101"}},
	{"Mantas Petrauskas", "mantas", 1, "lt", []string{"+370 612 55501", "+370 5 555 0177"}},
	{"Eglė Jankauskaitė", "egle.j", 9, "lt", nil},
	{"Jonas Žukauskas", "jonas.z", 9, "lt", []string{"+370 698 55512"}},
	{"Γιώργος Παπαδόπουλος", "g.papadopoulos", 2, "el", []string{"+30 210 555 0133"}},
	{"Ελένη Γεωργίου", "eleni.georgiou", 2, "el", nil},
	{"Νίκος Αντωνίου", "nikos", 10, "el", []string{"+30 694 555 0188", "+30 2810 555 012"}},
	{"Μαρία Δημητρίου", "maria.d", 10, "el", nil},
	{"Ana Zupan", "ana.zupan", 3, "sl", []string{"+386 1 555 0155"}},
	{"Matej Krajnc", "matej", 3, "sl", nil},
	{"Nina Kos", "nina.kos", -1, "sl", []string{"+386 41 555 019"}},
	{"Jure Vidmar", "jure.v", 3, "sl", nil},
	{"Emily Carter", "emily", 4, "en", []string{"+1 503 555 0147"}},
	{"James O'Connor", "james.oconnor", 4, "en", nil},
	{"Priya Sharma", "priya", 5, "en", []string{"+44 20 7946 0321", "+44 7700 900 456"}},
	{"Oliver Bennett", "oliver", 5, "en", nil},
	{"Hannah Schmidt", "hannah", 6, "en", []string{"+49 30 555 0119"}},
	{"Lucas Moreau", "lucas.moreau", 6, "en", nil},
	{"Grace Kim", "grace", 7, "en", []string{"+1 415 555 0166"}},
	{"Ethan Walker", "ethan", 7, "en", nil},
	{"Chloe Dubois", "chloe", 8, "en", []string{"+33 1 55 55 01 23"}},
	{"Noah Fischer", "noah", 8, "en", nil},
	{"Amelia Rossi", "amelia", 11, "en", []string{"+39 02 555 0178"}},
	{"Liam Murphy", "liam", 11, "en", nil},
	{"Zara Ahmed", "zara", 11, "en", []string{"+44 161 555 0102"}},
	{"Mateo García", "mateo", -1, "en", []string{"+34 91 555 0134"}},
	{"Sophie Laurent", "sophie", 6, "en", nil},
	{"Benjamin Clarke", "ben.clarke", 4, "en", nil},
	{"Isabella Conti", "isabella", -1, "en", nil},
	{"Henry Nguyen", "henry", 7, "en", []string{"+1 206 555 0190"}},
	{"Mia Johansson", "mia", -1, "en", nil},
	{"Samuel Adeyemi", "samuel", 5, "en", []string{"+234 1 555 0145"}},
	{"Lea Wagner", "lea", 6, "en", nil},
	{"Daniela Pavlović", "daniela", 0, "hr", nil},
	{"Katerina Nikolaou", "katerina", 2, "el", []string{"+30 231 555 0161"}},
	{"Tadej Novak", "tadej", -1, "sl", nil},
	{"Aistė Vaitkutė", "aiste", 1, "lt", nil},
	{"Robert Evans", "robert", 8, "en", nil},
}

// topic is one kind of customer inquiry: its team, subject and body per
// language (English always present), tags and a typical priority.
type topic struct {
	team     int
	priority string
	tags     []string
	subject  map[string]string
	body     map[string]string
}

var topics = []topic{
	{0, "normal", []string{"login"}, map[string]string{
		"en": "Can't log in since this morning",
		"hr": "Ne mogu se prijaviti u račun",
		"lt": "Negaliu prisijungti prie paskyros",
		"el": "Πρόβλημα με τη σύνδεση στον λογαριασμό",
		"sl": "Ne morem se prijaviti v aplikacijo",
	}, map[string]string{
		"en": "Hi,\n\nsince this morning I get \"invalid credentials\" when I sign in, although I reset my password twice. Could you have a look?\n\nThanks,\n{name}",
		"hr": "Pozdrav,\n\nod jutros se ne mogu prijaviti. Lozinka je ispravna, ali stalno dobivam poruku o pogrešci. Možete li pomoći?\n\nHvala,\n{name}",
		"lt": "Laba diena,\n\nnuo vakar negaliu prisijungti – slaptažodžio atkūrimo laiškas neateina. Ar galėtumėte padėti?\n\nAčiū,\n{name}",
		"el": "Καλησπέρα,\n\nδεν μπορώ να συνδεθώ στον λογαριασμό μου από χθες, παρόλο που άλλαξα τον κωδικό. Μπορείτε να βοηθήσετε;\n\nΕυχαριστώ,\n{name}",
		"sl": "Pozdravljeni,\n\nod danes zjutraj se ne morem prijaviti, čeprav sem geslo že dvakrat ponastavil. Lahko pogledate?\n\nHvala,\n{name}",
	}},
	{0, "low", []string{"how-to"}, map[string]string{
		"en": "How do I add a colleague to our account?",
		"hr": "Kako dodati kolegu na naš račun?",
		"sl": "Kako dodam sodelavca v naš račun?",
	}, map[string]string{
		"en": "Hello,\n\nwe hired a new team member at {company}. Where do I invite them, and can I limit what they see?\n\nBest,\n{name}",
		"hr": "Poštovani,\n\nzaposlili smo novu kolegicu. Gdje je mogu pozvati i mogu li ograničiti što vidi?\n\nLijep pozdrav,\n{name}",
		"sl": "Pozdravljeni,\n\nzaposlili smo novega sodelavca. Kje ga lahko povabim in ali lahko omejim, kaj vidi?\n\nLep pozdrav,\n{name}",
	}},
	{0, "normal", []string{"feature-request"}, map[string]string{
		"en": "Feature request: dark mode for the dashboard",
		"el": "Πρόταση: σκοτεινό θέμα για τον πίνακα ελέγχου",
	}, map[string]string{
		"en": "Hi team,\n\nour night shift would love a dark mode. Is that on the roadmap?\n\nCheers,\n{name}",
		"el": "Γεια σας,\n\nη νυχτερινή μας βάρδια θα ήθελε σκοτεινό θέμα. Είναι στα σχέδιά σας;\n\nΦιλικά,\n{name}",
	}},
	{0, "high", []string{"data", "export"}, map[string]string{
		"en": "Export of our contacts stops halfway",
		"lt": "Kontaktų eksportas sustoja pusiaukelėje",
		"sl": "Izvoz stikov se ustavi na polovici",
	}, map[string]string{
		"en": "Hello,\n\nwhen I export all contacts to CSV the download stops at about 4,000 rows. We have roughly 9,000. Is there a limit?\n\n{name}\n{company}",
		"lt": "Sveiki,\n\neksportuojant visus kontaktus į CSV, atsisiuntimas nutrūksta ties maždaug 4 000 eilučių. Ar yra apribojimas?\n\n{name}",
		"sl": "Pozdravljeni,\n\npri izvozu vseh stikov v CSV se prenos ustavi pri približno 4.000 vrsticah. Ali obstaja omejitev?\n\n{name}",
	}},
	{1, "high", []string{"billing", "refund"}, map[string]string{
		"en": "Charged twice for November",
		"el": "Διπλή χρέωση στην κάρτα για τον Νοέμβριο",
		"hr": "Dvostruka naplata za studeni",
	}, map[string]string{
		"en": "Hi,\n\nour card was charged twice for the November subscription ({amount} each). Please refund one of the charges.\n\nRegards,\n{name}\n{company}",
		"el": "Γεια σας,\n\nχρεώθηκα δύο φορές για τη συνδρομή του Νοεμβρίου ({amount}). Παρακαλώ επιστρέψτε τη μία χρέωση.\n\nΜε εκτίμηση,\n{name}",
		"hr": "Poštovani,\n\nkartica nam je terećena dvaput za pretplatu za studeni ({amount}). Molim povrat jedne uplate.\n\nLijep pozdrav,\n{name}",
	}},
	{1, "normal", []string{"billing", "invoice"}, map[string]string{
		"en": "Invoice {invoice} has the wrong VAT number",
		"lt": "Sąskaitoje faktūroje {invoice} klaidingas PVM kodas",
		"sl": "Napaka na računu {invoice}",
		"hr": "Račun {invoice} ima pogrešan OIB",
	}, map[string]string{
		"en": "Hello,\n\ninvoice {invoice} shows our old VAT number. Could you reissue it? Our finance team needs it before month end.\n\nThank you,\n{name}",
		"lt": "Laba diena,\n\nsąskaitoje faktūroje {invoice} nurodytas senas PVM mokėtojo kodas. Prašome išrašyti naują sąskaitą.\n\nPagarbiai,\n{name}",
		"sl": "Pozdravljeni,\n\nna računu {invoice} je napačna davčna številka. Prosim za popravljen račun do konca meseca.\n\nLep pozdrav,\n{name}",
		"hr": "Poštovani,\n\nna računu {invoice} je naveden stari OIB. Možete li izdati novi račun?\n\nHvala,\n{name}",
	}},
	{1, "low", []string{"billing", "plan"}, map[string]string{
		"en": "Upgrading from Team to Business plan",
		"el": "Αναβάθμιση πακέτου συνδρομής",
	}, map[string]string{
		"en": "Hi,\n\nwe'd like to move to the Business plan next month. Will the price be prorated, and do we keep our data?\n\n{name}",
		"el": "Καλημέρα,\n\nθέλουμε να αναβαθμίσουμε το πακέτο από τον επόμενο μήνα. Θα διατηρηθούν τα δεδομένα μας;\n\n{name}",
	}},
	{1, "normal", []string{"billing"}, map[string]string{
		"en": "Card declined after renewal",
	}, map[string]string{
		"en": "Hello,\n\nthe renewal failed with \"card declined\" but the bank says everything is fine. Can you retry the payment?\n\n{name}",
	}},
	{2, "urgent", []string{"api", "outage"}, map[string]string{
		"en": "API returns 500 on every ticket create",
		"lt": "API grąžina 500 klaidą kuriant užklausas",
		"hr": "API vraća grešku 500",
	}, map[string]string{
		"en": "Hi,\n\nsince about 09:40 UTC every POST /api/v1/tickets from our backend returns HTTP 500. Request id from the response: {invoice}. This is blocking our support form.\n\n{name}, {company}",
		"lt": "Sveiki,\n\nnuo šiandienos ryto kiekvienas POST /api/v1/tickets grąžina HTTP 500 klaidą. Tai blokuoja mūsų kontaktų formą.\n\n{name}",
		"hr": "Pozdrav,\n\nod jutros svaki POST /api/v1/tickets vraća HTTP 500. Naš obrazac za podršku ne radi.\n\n{name}",
	}},
	{2, "high", []string{"bug", "email"}, map[string]string{
		"en": "Replies arrive without attachments",
		"el": "Οι απαντήσεις φτάνουν χωρίς συνημμένα",
		"sl": "Odgovori prispejo brez prilog",
	}, map[string]string{
		"en": "Hello,\n\nwhen your agents reply with a PDF attached, our customers receive the email but the attachment is missing. Started last week.\n\n{name}",
		"el": "Καλησπέρα,\n\nόταν απαντάτε με συνημμένο PDF, το email φτάνει χωρίς το αρχείο. Ξεκίνησε την προηγούμενη εβδομάδα.\n\n{name}",
		"sl": "Pozdravljeni,\n\nko vaši agenti odgovorijo s priponko PDF, stranke prejmejo e-pošto brez priponke.\n\n{name}",
	}},
	{2, "normal", []string{"integration"}, map[string]string{
		"en": "Webhook signature doesn't validate",
		"hr": "Pitanje o integraciji s našim CRM-om",
	}, map[string]string{
		"en": "Hi,\n\nwe compute the HMAC of the raw body with our secret but it never matches the signature header. Which encoding do you use?\n\n{name}",
		"hr": "Pozdrav,\n\nželimo povezati Switchboard s našim CRM-om. Postoji li gotova integracija ili trebamo koristiti API?\n\n{name}",
	}},
	{2, "normal", []string{"bug", "mobile"}, map[string]string{
		"en": "Chat widget doesn't open on iPhone",
		"lt": "Pokalbių langas neatsidaro telefone",
	}, map[string]string{
		"en": "Hey,\n\nthe chat bubble on our site does nothing when tapped in Safari on iOS. Desktop is fine.\n\n{name}",
		"lt": "Sveiki,\n\nmūsų svetainėje pokalbių langas neatsidaro telefone (Safari, iOS). Kompiuteryje veikia.\n\n{name}",
	}},
}

// reply texts per language: agent answers, customer follow-ups and notes.
var (
	agentReplies = map[string][]string{
		"en": {
			"Hi {first},\n\nthanks for reaching out. I've looked into this and found the cause — it's fixed on our side now. Could you try again and let me know?\n\nBest regards,\n{agent}",
			"Hi {first},\n\nsorry for the trouble! I've passed this to our engineers with the details you sent and will update you as soon as I hear back.\n\n{agent}",
			"Hello {first},\n\ncould you send us a screenshot and the approximate time it happened? That will help us narrow it down.\n\nThanks,\n{agent}",
			"Hi {first},\n\ndone — you'll see the change within a few minutes. Anything else I can help with?\n\n{agent}",
		},
		"hr": {"Pozdrav {first},\n\nhvala na poruci. Provjerili smo i problem je riješen – molim pokušajte ponovno i javite nam ako i dalje ne radi.\n\nLijep pozdrav,\n{agent}"},
		"lt": {"Laba diena, {first},\n\načiū už žinutę. Problemą sutvarkėme – pabandykite dar kartą ir praneškite, jei vis dar neveikia.\n\nPagarbiai,\n{agent}"},
		"el": {"Καλησπέρα {first},\n\nευχαριστούμε για το μήνυμά σας. Το πρόβλημα διορθώθηκε – δοκιμάστε ξανά και ενημερώστε μας αν συνεχίζει.\n\nΜε εκτίμηση,\n{agent}"},
		"sl": {"Pozdravljeni {first},\n\nhvala za sporočilo. Težavo smo odpravili – prosim poskusite znova in nam sporočite, če še vedno ne deluje.\n\nLep pozdrav,\n{agent}"},
	}
	customerThanks = map[string][]string{
		"en": {"That worked, thank you so much!", "All good now, thanks for the quick help.", "Perfect, thanks!"},
		"hr": {"Hvala, sad radi!"},
		"lt": {"Ačiū, dabar veikia!"},
		"el": {"Ευχαριστώ, τώρα λειτουργεί!"},
		"sl": {"Hvala, zdaj deluje!"},
	}
	customerStill = map[string][]string{
		"en": {"Unfortunately it still happens. I've attached the details again.", "Still the same here, I'm afraid. It happened again ten minutes ago.", "Any news on this? It's affecting our whole team."},
		"hr": {"Nažalost, i dalje isto. Šaljem snimku zaslona."},
		"lt": {"Deja, vis dar neveikia."},
		"el": {"Δυστυχώς, το πρόβλημα παραμένει."},
		"sl": {"Žal še vedno ne deluje."},
	}
	internalNotes = []string{
		"Checked the logs: matches the incident from Tuesday. Linking to the engineering issue.",
		"Customer is on the Business plan — keep them updated daily.",
		"Refund approved by finance, processing in the next payment run.",
		"Could not reproduce on staging. Asked for a screenshot.",
		"Second report of this today; flagging for the team lead.",
		"Escalated to Technical — @Luka please take a look.",
	}
	duplicateBodies = map[string]string{
		"en": "Sorry, sending this again through chat in case my email didn't arrive — see my earlier message.",
		"hr": "Oprostite, šaljem ponovno jer nisam siguran je li e-pošta stigla.",
		"lt": "Atsiprašau, siunčiu dar kartą – nesu tikras, ar laiškas atėjo.",
		"el": "Συγγνώμη, το στέλνω ξανά γιατί δεν είμαι σίγουρος ότι έφτασε το email μου.",
		"sl": "Oprostite, pošiljam ponovno, ker nisem prepričan, ali je e-pošta prispela.",
	}
	spamSubjects = []string{
		"Boost your SEO ranking today!!!",
		"You have won a $500 gift card",
		"Partnership opportunity – guaranteed traffic",
		"Cheap followers and likes",
	}
	extraTags = []string{"vip", "follow-up", "needs-info", "escalated", "onboarding"}
)
