package contact_test

import (
	"context"
	"fmt"
	"slices"
	"switchboard/internal/desk/desktest"
	"testing"

	"switchboard/internal/contact"
	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

var (
	must     = desktest.Must
	wantCode = desktest.WantCode
)

func TestContacts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := contact.New(st, nil)
		agent := desk.Actor{Kind: desk.ActorAgent, AgentID: 1, Name: "A", Role: desk.RoleAgent}
		c, err := svc.FindOrCreate(ctx, agent, "Ivana@Example.HR", "Ivana Horvat")
		must(t, err)
		again, err := svc.FindOrCreate(ctx, agent, "ivana@example.hr", "Other")
		must(t, err)
		if again.ID != c.ID || again.Name != "Ivana Horvat" || !slices.Equal(c.Emails, []string{"ivana@example.hr"}) {
			t.Fatalf("contact = %+v again = %+v", c, again)
		}
		_, err = svc.FindOrCreate(ctx, agent, "not an email", "x")
		wantCode(t, err, desk.EInvalid)
		co, err := svc.CreateCompany(ctx, agent, "Acme d.o.o.", "ACME.hr")
		must(t, err)
		_, err = svc.CreateCompany(ctx, agent, "acme D.O.O.", "")
		wantCode(t, err, desk.EConflict)
		emails := []string{"ivana.horvat@acme.hr", "Ivana@example.hr"}
		phones := []string{"+385 1 234 5678"}
		name := "Ivana H."
		c, err = svc.Update(ctx, agent, c.ID, contact.Update{Name: &name, Emails: &emails, Phones: &phones, CompanyID: &co.ID})
		must(t, err)
		if c.Name != name || !slices.Equal(c.Emails, []string{"ivana.horvat@acme.hr", "ivana@example.hr"}) || !slices.Equal(c.Phones, phones) || c.Company == nil || c.Company.Domain != "acme.hr" {
			t.Fatalf("updated = %+v", c)
		}
		byAlt, err := svc.FindByEmail(ctx, agent, "IVANA@example.hr")
		must(t, err)
		if byAlt.ID != c.ID {
			t.Fatal("secondary email does not find the contact")
		}
		other, err := svc.FindOrCreate(ctx, agent, "other@example.com", "Other")
		must(t, err)
		taken := []string{"ivana@example.hr"}
		_, err = svc.Update(ctx, agent, other.ID, contact.Update{Emails: &taken})
		wantCode(t, err, desk.EConflict)
		none := []string{}
		_, err = svc.Update(ctx, agent, other.ID, contact.Update{Emails: &none})
		wantCode(t, err, desk.EInvalid)
		zero := int64(0)
		c, err = svc.Update(ctx, agent, c.ID, contact.Update{CompanyID: &zero})
		must(t, err)
		if c.Company != nil {
			t.Fatal("company not cleared")
		}
		_, err = svc.Get(ctx, agent, 99999)
		wantCode(t, err, desk.ENotFound)
		_, err = svc.FindByEmail(ctx, agent, "nobody@example.com")
		wantCode(t, err, desk.ENotFound)
		_, err = svc.Get(ctx, desk.Actor{}, c.ID)
		wantCode(t, err, desk.EForbidden)
	})
}

func TestContactList(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := contact.New(st, nil)
		agent := desk.Actor{Kind: desk.ActorAgent, AgentID: 1, Name: "A", Role: desk.RoleAgent}
		for i := range 12 {
			_, err := svc.FindOrCreate(ctx, agent, fmt.Sprintf("p%02d@example.com", i), fmt.Sprintf("Person %d", i%3))
			must(t, err)
		}
		seen := map[int64]bool{}
		cursor := ""
		for {
			items, next, err := svc.List(ctx, agent, "", cursor, 5)
			must(t, err)
			for _, c := range items {
				if seen[c.ID] {
					t.Fatalf("duplicate %d", c.ID)
				}
				seen[c.ID] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 12 {
			t.Fatalf("paged %d contacts", len(seen))
		}
		items, _, err := svc.List(ctx, agent, "P03@", "", 0)
		must(t, err)
		if len(items) != 1 {
			t.Fatalf("search by email = %d", len(items))
		}
		items, _, err = svc.List(ctx, agent, "person 1", "", 0)
		must(t, err)
		if len(items) != 4 {
			t.Fatalf("search by name = %d", len(items))
		}
	})
}

// TestCompanyByName sets a contact's company by name: an existing one is
// found whatever its case, a new one is created, and an update refused for
// its emails creates no company.
func TestCompanyByName(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := contact.New(st, nil)
		agent := desk.Actor{Kind: desk.ActorAgent, AgentID: 1, Name: "A", Role: desk.RoleAgent}
		c, err := svc.FindOrCreate(ctx, agent, "jonas@example.lt", "Jonas")
		must(t, err)
		acme, err := svc.CreateCompany(ctx, agent, "Acme UAB", "")
		must(t, err)
		name := "  acme uab "
		c, err = svc.Update(ctx, agent, c.ID, contact.Update{CompanyName: &name})
		must(t, err)
		if c.Company == nil || c.Company.ID != acme.ID {
			t.Fatalf("existing company by name: %+v", c.Company)
		}
		name = "Baltic Amber"
		c, err = svc.Update(ctx, agent, c.ID, contact.Update{CompanyName: &name})
		must(t, err)
		if c.Company == nil || c.Company.Name != "Baltic Amber" {
			t.Fatalf("new company by name: %+v", c.Company)
		}
		bad := []string{"not an address"}
		name = "Never Made"
		_, err = svc.Update(ctx, agent, c.ID, contact.Update{Emails: &bad, CompanyName: &name})
		wantCode(t, err, desk.EInvalid)
		// The conflict is found inside the transaction, after the company
		// was inserted: the rollback must take the company with it.
		_, err = svc.FindOrCreate(ctx, agent, "taken@example.lt", "Other")
		must(t, err)
		taken := []string{"taken@example.lt"}
		_, err = svc.Update(ctx, agent, c.ID, contact.Update{Emails: &taken, CompanyName: &name})
		wantCode(t, err, desk.EConflict)
		cos, err := svc.Companies(ctx, agent)
		must(t, err)
		if len(cos) != 2 {
			t.Fatalf("companies after a refused update: %+v", cos)
		}
	})
}
