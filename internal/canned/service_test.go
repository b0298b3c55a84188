package canned_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/internal/canned"
	"switchboard/internal/desk"
	"switchboard/internal/desk/desktest"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

var (
	must     = desktest.Must
	wantCode = desktest.WantCode
)

func ptr[T any](v T) *T { return &v }

func wantField(t *testing.T, err error, code desk.Code, field string) {
	t.Helper()
	wantCode(t, err, code)
	e, _ := err.(*desk.Error)
	if e == nil || e.Fields[field] == "" {
		t.Fatalf("error %v does not name field %q", err, field)
	}
}

func titles(cs []desk.CannedResponse) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Title)
	}
	return strings.Join(out, ", ")
}

// people is an admin, a billing agent and a tech agent.
type people struct {
	admin, billing, tech desk.Actor
	billingTeam          desk.Team
}

func setup(t *testing.T, st *store.Store, clk desk.Clock) people {
	t.Helper()
	ctx := context.Background()
	ts := team.New(st, clk)
	mk := func(email, name string, role desk.Role) desk.Actor {
		a, err := ts.CreateAgent(ctx, desk.System, team.NewAgent{Email: email, Name: name, Role: role})
		must(t, err)
		return desk.Actor{Kind: desk.ActorAgent, AgentID: a.ID, Name: a.Name, Role: a.Role}
	}
	p := people{admin: mk("ada@example.com", "Ada Admin", desk.RoleAdmin),
		billing: mk("bill@example.com", "Bill Payne", desk.RoleAgent), tech: mk("tess@example.com", "Tess Tech", desk.RoleAgent)}
	var err error
	p.billingTeam, err = ts.CreateTeam(ctx, desk.System, "Billing", []int64{p.billing.AgentID})
	must(t, err)
	_, err = ts.CreateTeam(ctx, desk.System, "Technical", []int64{p.tech.AgentID})
	must(t, err)
	return p
}

func TestCannedResponses(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := desk.NewFixedClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
		svc := canned.New(st, clk)
		p := setup(t, st, clk)

		// Admins create; the shortcut is lower-cased and its slash dropped.
		hello, err := svc.Create(ctx, p.admin, canned.Input{Title: "  Greeting ", Body: "Hi {{customer.first_name|there}},\r\n\r\n", Shortcut: "/Hello"})
		must(t, err)
		if hello.Title != "Greeting" || hello.Body != "Hi {{customer.first_name|there}}," || hello.Shortcut != "hello" ||
			hello.Team != nil || hello.CreatedBy == nil || hello.CreatedBy.ID != p.admin.AgentID || hello.CreatedBy.Name != "Ada Admin" ||
			!hello.CreatedAt.Equal(clk.Now()) || hello.Uses != 0 {
			t.Fatalf("created = %+v", hello)
		}
		refund, err := svc.Create(ctx, p.admin, canned.Input{Title: "Refund issued", Body: "We refunded order {{ticket.subject}}.", TeamID: p.billingTeam.ID})
		must(t, err)
		if refund.Team == nil || refund.Team.Name != "Billing" || refund.Shortcut != "" {
			t.Fatalf("team response = %+v", refund)
		}

		// Agents cannot create, edit or delete any of them, shared or their team's.
		_, err = svc.Create(ctx, p.billing, canned.Input{Title: "Mine", Body: "x"})
		wantCode(t, err, desk.EForbidden)
		_, err = svc.Update(ctx, p.billing, hello.ID, canned.Update{Title: ptr("Hijacked")})
		wantCode(t, err, desk.EForbidden)
		_, err = svc.Update(ctx, p.billing, refund.ID, canned.Update{Body: ptr("Hijacked")})
		wantCode(t, err, desk.EForbidden)
		wantCode(t, svc.Delete(ctx, p.billing, hello.ID), desk.EForbidden)
		_, err = svc.List(ctx, desk.Actor{}, canned.Query{})
		wantCode(t, err, desk.EForbidden)

		// Validation names every bad field; a taken shortcut is a conflict
		// whatever its case.
		_, err = svc.Create(ctx, p.admin, canned.Input{Title: " ", Body: strings.Repeat("x", canned.MaxBodyLen+1), Shortcut: "two words"})
		for _, f := range []string{"title", "body", "shortcut"} {
			wantField(t, err, desk.EInvalid, f)
		}
		_, err = svc.Create(ctx, p.admin, canned.Input{Title: "Other", Body: "x", Shortcut: "HELLO"})
		wantField(t, err, desk.EConflict, "shortcut")
		_, err = svc.Create(ctx, p.admin, canned.Input{Title: "Other", Body: "x", TeamID: 999999})
		wantField(t, err, desk.EInvalid, "team")
		_, err = svc.Update(ctx, p.admin, refund.ID, canned.Update{Shortcut: ptr("hello")})
		wantField(t, err, desk.EConflict, "shortcut")

		// Team scoping: the billing agent sees both, the tech agent only the
		// shared one, admins everything.
		list := func(a desk.Actor, q canned.Query) string {
			t.Helper()
			cs, err := svc.List(ctx, a, q)
			must(t, err)
			return titles(cs)
		}
		if got := list(p.billing, canned.Query{}); got != "Greeting, Refund issued" {
			t.Errorf("billing sees %q", got)
		}
		if got := list(p.tech, canned.Query{}); got != "Greeting" {
			t.Errorf("tech sees %q", got)
		}
		if got := list(p.admin, canned.Query{}); got != "Greeting, Refund issued" {
			t.Errorf("admin sees %q", got)
		}
		_, err = svc.Get(ctx, p.tech, refund.ID)
		wantCode(t, err, desk.ENotFound)
		wantCode(t, svc.Use(ctx, p.tech, refund.ID), desk.ENotFound)
		if got, err := svc.Get(ctx, p.billing, refund.ID); err != nil || got.Title != "Refund issued" {
			t.Errorf("billing gets %+v, %v", got, err)
		}

		// Search: words in any order, case and accents ignored, the
		// shortcut counts too.
		_, err = svc.Create(ctx, p.admin, canned.Input{Title: "Plaćanje karticom", Body: "Možete platiti karticom.", Shortcut: "kartica"})
		must(t, err)
		for q, want := range map[string]string{
			"PLACANJE":       "Plaćanje karticom",
			"karticom moze":  "Plaćanje karticom",
			"hello":          "Greeting",
			"refunded order": "Refund issued",
			"50%":            "",
			"nothing here":   "",
		} {
			if got := list(p.billing, canned.Query{Q: q}); got != want {
				t.Errorf("search %q: %q, want %q", q, got, want)
			}
		}
		if got := list(p.tech, canned.Query{Q: "refund"}); got != "" {
			t.Errorf("tech finds another team's response: %q", got)
		}

		// Uses order the picker; an exact shortcut comes first.
		must(t, svc.Use(ctx, p.billing, refund.ID))
		must(t, svc.Use(ctx, p.billing, refund.ID))
		if got := list(p.billing, canned.Query{Popular: true}); got != "Refund issued, Greeting, Plaćanje karticom" {
			t.Errorf("popular: %q", got)
		}
		if got := list(p.billing, canned.Query{Popular: true, Limit: 1}); got != "Refund issued" {
			t.Errorf("limit: %q", got)
		}
		if got := list(p.billing, canned.Query{Q: "kartica", Popular: true}); got != "Plaćanje karticom" {
			t.Errorf("shortcut: %q", got)
		}

		// Update: move to everyone, change the body; updated_at moves.
		clk.Advance(time.Hour)
		up, err := svc.Update(ctx, p.admin, refund.ID, canned.Update{TeamID: ptr(int64(0)), Body: ptr("Refunded.")})
		must(t, err)
		if up.Team != nil || up.Body != "Refunded." || up.Title != "Refund issued" || up.Uses != 2 || !up.UpdatedAt.Equal(clk.Now()) || up.CreatedAt.Equal(up.UpdatedAt) {
			t.Fatalf("updated = %+v", up)
		}
		if got := list(p.tech, canned.Query{Q: "refunded"}); got != "Refund issued" {
			t.Errorf("tech after sharing: %q", got)
		}

		// Delete.
		must(t, svc.Delete(ctx, p.admin, up.ID))
		_, err = svc.Get(ctx, p.admin, up.ID)
		wantCode(t, err, desk.ENotFound)
		wantCode(t, svc.Delete(ctx, p.admin, up.ID), desk.ENotFound)
	})
}

func TestForTicket(t *testing.T) {
	st := storetest.NewSQLite(t)
	ctx := context.Background()
	clk := desk.NewFixedClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	svc := canned.New(st, clk)
	p := setup(t, st, clk)
	tickets := ticket.New(st, realtime.NewLocal(0), clk)
	tk, err := tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "Where is my parcel?", Body: "It is late.", Inbound: true,
		Requester: desk.ContactInput{Email: "ivana@example.com", Name: "Ivana Kovačević"}})
	must(t, err)
	anon, err := tickets.Create(ctx, desk.System, desk.NewTicket{Subject: "No name", Body: "x", Inbound: true,
		Requester: desk.ContactInput{Email: "who@example.com"}})
	must(t, err)
	c, err := svc.Create(ctx, p.admin, canned.Input{Title: "Parcel",
		Body: "Hi {{customer.first_name|there}},\n\nyour ticket #{{ticket.number}} ({{ ticket.subject }}) is with {{agent.name}}. {{custom.field}}\n{{agent.first_name}}"})
	must(t, err)
	_, err = svc.Create(ctx, p.admin, canned.Input{Title: "Billing only", Body: "{{customer.email}}", TeamID: p.billingTeam.ID})
	must(t, err)

	got, err := svc.ForTicket(ctx, p.tech, tk.ID, canned.Query{Popular: true})
	must(t, err)
	want := "Hi Ivana,\n\nyour ticket #" + strconv.FormatInt(tk.Number, 10) + " (Where is my parcel?) is with Tess Tech. {{custom.field}}\nTess"
	if len(got) != 1 || got[0].Text != want || got[0].Body != c.Body {
		t.Fatalf("for ticket: %+v\nwant text %q", got, want)
	}
	one, err := svc.GetForTicket(ctx, p.admin, c.ID, anon.ID)
	must(t, err)
	if !strings.HasPrefix(one.Text, "Hi there,\n") || !strings.HasSuffix(one.Text, "is with Ada Admin. {{custom.field}}\nAda") {
		t.Errorf("no name: %q", one.Text)
	}
	_, err = svc.ForTicket(ctx, p.tech, 999999, canned.Query{})
	wantCode(t, err, desk.ENotFound)
	_, err = svc.GetForTicket(ctx, p.tech, c.ID+1, tk.ID)
	wantCode(t, err, desk.ENotFound)
}

func TestFill(t *testing.T) {
	v := canned.Values{"customer.name": "Ivana Kovačević", "customer.first_name": "Ivana", "customer.email": "ivana@example.com",
		"agent.name": "Tess Tech", "agent.first_name": "Tess", "ticket.number": "1042", "ticket.subject": "Parcel"}
	empty := canned.Values{"customer.name": "", "customer.first_name": "", "customer.email": "", "agent.name": "Tess Tech",
		"agent.first_name": "Tess", "ticket.number": "7", "ticket.subject": ""}
	for _, c := range []struct {
		in, want, wantEmpty string
	}{
		{"Hi {{customer.first_name}},", "Hi Ivana,", "Hi,"},
		{"Hi {{customer.first_name|there}},", "Hi Ivana,", "Hi there,"},
		{"Pozdrav {{ customer.first_name | }}!", "Pozdrav Ivana!", "Pozdrav!"},
		{"Dear {{customer.name}}\nThanks", "Dear Ivana Kovačević\nThanks", "Dear\nThanks"},
		{"To {{customer.email}} about {{ticket.subject}} now", "To ivana@example.com about Parcel now", "To  about  now"},
		{"#{{ticket.number}} by {{agent.first_name}} ({{agent.name}})", "#1042 by Tess (Tess Tech)", "#7 by Tess (Tess Tech)"},
		{"{{unknown.thing}} and {{customer.nam}} stay", "{{unknown.thing}} and {{customer.nam}} stay", "{{unknown.thing}} and {{customer.nam}} stay"},
		{"{{ {{customer.first_name}} }}", "{{ Ivana }}", "{{  }}"},
		{"open {{customer.name", "open {{customer.name", "open {{customer.name"},
		{"no placeholders", "no placeholders", "no placeholders"},
		{"", "", ""},
	} {
		if got := canned.Fill(c.in, v); got != c.want {
			t.Errorf("Fill(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := canned.Fill(c.in, empty); got != c.wantEmpty {
			t.Errorf("Fill(%q) without values = %q, want %q", c.in, got, c.wantEmpty)
		}
	}
	vs := canned.ValuesFor(desk.Ticket{Number: 5, Subject: "S", Requester: desk.ContactRef{Email: "a@b.example", Name: "  Ana  Marija "}}, desk.Actor{Name: "Bo"})
	for _, p := range canned.Placeholders {
		if _, ok := vs[p]; !ok {
			t.Errorf("ValuesFor lacks %s", p)
		}
	}
	if vs["customer.first_name"] != "Ana" || vs["customer.name"] != "Ana  Marija" || vs["ticket.number"] != "5" {
		t.Errorf("values: %v", vs)
	}
}

func FuzzFill(f *testing.F) {
	f.Add("Hi {{customer.first_name|there}}, {{x}} {{")
	v := canned.Values{"customer.first_name": "", "agent.name": "A"}
	f.Fuzz(func(t *testing.T, s string) {
		out := canned.Fill(s, v)
		if !strings.Contains(s, "{{") && out != s {
			t.Fatalf("Fill changed text without placeholders: %q -> %q", s, out)
		}
	})
}
