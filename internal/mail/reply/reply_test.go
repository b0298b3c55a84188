package reply

import "testing"

func TestStripTextTable(t *testing.T) {
	tests := []struct {
		name, in, visible, quoted, sig string
	}{
		{"plain", "Just a question.\nThanks", "Just a question.\nThanks", "", ""},
		{"empty", "  \n ", "", "", ""},
		{"gmail", "Yes please.\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan One <m@example.com> wrote:\n\n> Hi\n", "Yes please.", "On Mon, Apr 2, 2012 at 6:26 PM, Megan One <m@example.com> wrote:\n\n> Hi", ""},
		{"gmail wrapped", "Yes.\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan One <m@example.com>\nwrote:\n> Hi", "Yes.", "On Mon, Apr 2, 2012 at 6:26 PM, Megan One <m@example.com>\nwrote:\n> Hi", ""},
		{"gmail wrapped 3 lines", "Yes.\n\nOn Mon, Apr 2, 2012 at 6:26 PM,\nMegan One\n<m@example.com> wrote:\n> Hi", "Yes.", "On Mon, Apr 2, 2012 at 6:26 PM,\nMegan One\n<m@example.com> wrote:\n> Hi", ""},
		{"sentence above attribution kept", "Thanks for the help\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan wrote:\n> Hi", "Thanks for the help", "On Mon, Apr 2, 2012 at 6:26 PM, Megan wrote:\n> Hi", ""},
		{"outlook original", "Fine.\n\n-----Original Message-----\nFrom: bob <b@example.com>\nSent: Mon\nSubject: x\n\nHi", "Fine.", "-----Original Message-----\nFrom: bob <b@example.com>\nSent: Mon\nSubject: x\n\nHi", ""},
		{"outlook from block", "Fine.\n\nFrom: Bob [mailto:b@example.com]\nSent: Monday, January 01, 2000 12:00 AM\nTo: john@example.com\nSubject: Conversation\n\nHello", "Fine.", "From: Bob [mailto:b@example.com]\nSent: Monday, January 01, 2000 12:00 AM\nTo: john@example.com\nSubject: Conversation\n\nHello", ""},
		{"underscore from block", "Fine.\n________________________________\nFrom: Bob\nSent: Monday\nTo: john\nSubject: x\n\nHello", "Fine.", "________________________________\nFrom: Bob\nSent: Monday\nTo: john\nSubject: x\n\nHello", ""},
		{"bottom post", "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi\nHello", "Hello", "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi", ""},
		{"trailing bare quote", "Hello\n> Subject: Test\n> From: bob@example.com\n>\n> Hi", "Hello", "> Subject: Test\n> From: bob@example.com\n>\n> Hi", ""},
		{"inline reply kept", "> q1\na1\n> q2\na2\n", "> q1\na1\n> q2\na2", "", ""},
		{"forward only falls back", "---------- Forwarded message ---------\nFrom: a@example.com\nDate: Mon\n\nBody", "---------- Forwarded message ---------\nFrom: a@example.com\nDate: Mon\n\nBody", "", ""},
		{"forward with note", "See below.\n\nBegin forwarded message:\n\nFrom: a@example.com\nBody", "See below.", "Begin forwarded message:\n\nFrom: a@example.com\nBody", ""},
		{"sig delimiter", "Hello\n\n-- \nJohn\nACME", "Hello", "", "-- \nJohn\nACME"},
		{"iphone", "Hello\n\nSent from my iPhone\n\nOn Apr 3, 2012, at 4:19 PM, bob <b@example.com> wrote:\n\n> Hi", "Hello", "On Apr 3, 2012, at 4:19 PM, bob <b@example.com> wrote:\n\n> Hi", "Sent from my iPhone"},
		{"outlook mobile", "Ok\n\nGet Outlook for Android", "Ok", "", "Get Outlook for Android"},
		{"contact block", "Sure, done.\n\nGina Doe\ngina@example.com\n(555) 346-9947", "Sure, done.", "", "Gina Doe\ngina@example.com\n(555) 346-9947"},
		{"dash name and address across blank lines", "That was it!\n\n -John Doe\n \n doe@example.com", "That was it!", "", "-John Doe\n \n doe@example.com"},
		{"short lowercase lines with address stay", "Please write to\nbilling@example.com", "Please write to\nbilling@example.com", "", ""},
		{"closing stays visible", "Hi. I am fine.\n\nThanks,\nAlex", "Hi. I am fine.\n\nThanks,\nAlex", "", ""},
		{"crlf", "Yes\r\n\r\nOn Mon, Apr 2, 2012 at 6:26 PM, M <m@example.com> wrote:\r\n> Hi", "Yes", "On Mon, Apr 2, 2012 at 6:26 PM, M <m@example.com> wrote:\n> Hi", ""},
		{"only quote falls back", "> Hi\n> there", "> Hi\n> there", "", ""},

		// Croatian
		{"hr attribution", "Hvala, riješeno.\n\nDana 12. 3. 2025. u 10:15 Ana Horvat <ana@example.hr> je napisala:\n> Pozdrav", "Hvala, riješeno.", "Dana 12. 3. 2025. u 10:15 Ana Horvat <ana@example.hr> je napisala:\n> Pozdrav", ""},
		{"hr wrapped", "Hvala.\n\nDana 12. 3. 2025. u 10:15 Ana Horvat <ana@example.hr>\nje napisao:\n> Pozdrav", "Hvala.", "Dana 12. 3. 2025. u 10:15 Ana Horvat <ana@example.hr>\nje napisao:\n> Pozdrav", ""},
		{"hr gmail", "Hvala.\n\nsri, 12. ožu 2025. u 10:15 Ana Horvat <ana@example.hr> napisao je:\n> Pozdrav", "Hvala.", "sri, 12. ožu 2025. u 10:15 Ana Horvat <ana@example.hr> napisao je:\n> Pozdrav", ""},
		{"hr apple", "Hvala.\n\nDana 12. ožu 2025., u 10:15, Ana Horvat <ana@example.hr> je napisao/la:\n\n> Pozdrav", "Hvala.", "Dana 12. ožu 2025., u 10:15, Ana Horvat <ana@example.hr> je napisao/la:\n\n> Pozdrav", ""},
		{"hr iphone", "Može.\n\nPoslano s mog iPhonea", "Može.", "", "Poslano s mog iPhonea"},
		{"hr outlook", "Hvala.\n\nOd: Ana Horvat <ana@example.hr>\nPoslano: srijeda, 12. ožujka 2025. 10:15\nZa: podrska@example.com\nPredmet: Račun\n\nPozdrav", "Hvala.", "Od: Ana Horvat <ana@example.hr>\nPoslano: srijeda, 12. ožujka 2025. 10:15\nZa: podrska@example.com\nPredmet: Račun\n\nPozdrav", ""},
		// Lithuanian
		{"lt attribution", "Ačiū.\n\n2025-03-12 10:15, Jonas Jonaitis <jonas@example.lt> rašė:\n> Labas", "Ačiū.", "2025-03-12 10:15, Jonas Jonaitis <jonas@example.lt> rašė:\n> Labas", ""},
		{"lt gmail", "Ačiū.\n\n2025-03-12, tr, 10:15 Jonas Jonaitis <jonas@example.lt> rašė:\n\n> Labas", "Ačiū.", "2025-03-12, tr, 10:15 Jonas Jonaitis <jonas@example.lt> rašė:\n\n> Labas", ""},
		{"lt tagline", "Gerai.\n\nIšsiųsta iš mano iPhone", "Gerai.", "", "Išsiųsta iš mano iPhone"},
		{"lt outlook", "Ačiū.\n\nNuo: Jonas <jonas@example.lt>\nIšsiųsta: 2025 m. kovo 12 d. 10:15\nKam: pagalba@example.com\nTema: Sąskaita\n\nLabas", "Ačiū.", "Nuo: Jonas <jonas@example.lt>\nIšsiųsta: 2025 m. kovo 12 d. 10:15\nKam: pagalba@example.com\nTema: Sąskaita\n\nLabas", ""},
		// Greek
		{"el attribution", "Ευχαριστώ.\n\nΣτις 12/3/2025 10:15 π.μ., Νίκος Παπαδόπουλος <nikos@example.gr> έγραψε:\n> Γεια", "Ευχαριστώ.", "Στις 12/3/2025 10:15 π.μ., Νίκος Παπαδόπουλος <nikos@example.gr> έγραψε:\n> Γεια", ""},
		{"el gmail", "Ευχαριστώ.\n\nΣτις Τετ 12 Μαρ 2025 στις 10:15 π.μ., ο/η Νίκος <nikos@example.gr> έγραψε:\n> Γεια", "Ευχαριστώ.", "Στις Τετ 12 Μαρ 2025 στις 10:15 π.μ., ο/η Νίκος <nikos@example.gr> έγραψε:\n> Γεια", ""},
		{"el tagline", "Εντάξει.\n\nΣτάλθηκε από το iPhone μου", "Εντάξει.", "", "Στάλθηκε από το iPhone μου"},
		{"el outlook", "Ευχαριστώ.\n\nΑπό: Νίκος <nikos@example.gr>\nΣτάλθηκε: Τετάρτη, 12 Μαρτίου 2025 10:15\nΠρος: support@example.com\nΘέμα: Τιμολόγιο\n\nΓεια", "Ευχαριστώ.", "Από: Νίκος <nikos@example.gr>\nΣτάλθηκε: Τετάρτη, 12 Μαρτίου 2025 10:15\nΠρος: support@example.com\nΘέμα: Τιμολόγιο\n\nΓεια", ""},
		// Slovenian
		{"sl attribution", "Hvala.\n\n12. 3. 2025 ob 10:15 je Janez Novak <janez@example.si> napisal(a):\n> Živjo", "Hvala.", "12. 3. 2025 ob 10:15 je Janez Novak <janez@example.si> napisal(a):\n> Živjo", ""},
		{"sl gmail", "Hvala.\n\nV sre., 12. mar. 2025 ob 10:15 je Janez Novak <janez@example.si>\nnapisal(a):\n> Živjo", "Hvala.", "V sre., 12. mar. 2025 ob 10:15 je Janez Novak <janez@example.si>\nnapisal(a):\n> Živjo", ""},
		{"sl tagline", "Velja.\n\nPoslano iz mojega iPhona", "Velja.", "", "Poslano iz mojega iPhona"},
		{"sl outlook", "Hvala.\n\nOd: Janez <janez@example.si>\nPoslano: sreda, 12. marec 2025 10:15\nZa: podpora@example.com\nZadeva: Račun\n\nŽivjo", "Hvala.", "Od: Janez <janez@example.si>\nPoslano: sreda, 12. marec 2025 10:15\nZa: podpora@example.com\nZadeva: Račun\n\nŽivjo", ""},
		// Cheap others
		{"de", "Danke.\n\nAm 12.03.2025 um 10:15 schrieb Max Muster <max@example.de>:\n> Hallo", "Danke.", "Am 12.03.2025 um 10:15 schrieb Max Muster <max@example.de>:\n> Hallo", ""},
		{"fr", "Merci.\n\nLe mer. 12 mars 2025 à 10:15, Marie <marie@example.fr> a écrit :\n> Bonjour", "Merci.", "Le mer. 12 mars 2025 à 10:15, Marie <marie@example.fr> a écrit :\n> Bonjour", ""},
		{"es", "Gracias.\n\nEl mié, 12 mar 2025 a las 10:15, Juan (<juan@example.es>) escribió:\n> Hola", "Gracias.", "El mié, 12 mar 2025 a las 10:15, Juan (<juan@example.es>) escribió:\n> Hola", ""},
		{"nl", "Bedankt.\n\nOp 12 mrt. 2025 om 10:15 schreef Jan <jan@example.nl>:\n> Hoi", "Bedankt.", "Op 12 mrt. 2025 om 10:15 schreef Jan <jan@example.nl>:\n> Hoi", ""},
		{"pl", "Dzięki.\n\nW dniu 12.03.2025 o 10:15 Jan Kowalski <jan@example.pl> napisał:\n> Cześć", "Dzięki.", "W dniu 12.03.2025 o 10:15 Jan Kowalski <jan@example.pl> napisał:\n> Cześć", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := StripText(tt.in)
			if r.Visible != tt.visible || r.Quoted != tt.quoted || r.Signature != tt.sig {
				t.Errorf("StripText(%q)\n got  %+v\n want {Visible:%q Quoted:%q Signature:%q}", tt.in, r, tt.visible, tt.quoted, tt.sig)
			}
		})
	}
}

func TestStripHTMLTable(t *testing.T) {
	tests := []struct {
		name, in, visible string
		quoted            bool
	}{
		{"gmail", `<div>Yes</div><div class="gmail_quote"><div class="gmail_attr">On Mon wrote:</div><blockquote>Hi</blockquote></div>`, "Yes", true},
		{"outlook web", `<p>Ok</p><div id="divRplyFwdMsg"><b>From:</b> x</div><div>old</div>`, "Ok", true},
		{"thunderbird", `<p>Fine</p><div class="moz-cite-prefix">On 1/2/2025 Bob wrote:</div><blockquote type="cite">old</blockquote>`, "Fine", true},
		{"yahoo", `<div>Fine</div><div class="yahoo_quoted">old</div>`, "Fine", true},
		{"hr", `<div>Fine<hr><b>From:</b> a</div>`, "Fine", true},
		{"text header in html", `<p>Hvala.</p><p>Dana 12. 3. 2025. u 10:15 Ana &lt;ana@example.hr&gt; je napisala:</p><p>&gt; stari</p>`, "Hvala.", true},
		{"blockquote only falls back", `<blockquote>only old</blockquote>`, "only old", false},
		{"script ignored", `<script>x()</script><p>Hi</p>`, "Hi", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := StripHTML(tt.in)
			if r.Visible != tt.visible || (r.Quoted != "") != tt.quoted {
				t.Errorf("StripHTML(%q) = %+v, want visible %q quoted=%v", tt.in, r, tt.visible, tt.quoted)
			}
		})
	}
}
