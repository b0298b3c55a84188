package contact_test

import (
	"context"
	"testing"
	"time"

	"switchboard/internal/contact"
	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
)

// TestEmailBounce reads the bounce mark the mail side sets on an address.
func TestEmailBounce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := contact.New(st, nil)
		agent := desk.Actor{Kind: desk.ActorAgent, AgentID: 1, Name: "A", Role: desk.RoleAgent}
		_, err := svc.FindOrCreate(ctx, agent, "gone@example.com", "Gone")
		must(t, err)
		b, err := svc.EmailBounce(ctx, agent, "gone@example.com")
		must(t, err)
		if b != nil {
			t.Fatalf("bounce before any: %+v", b)
		}
		at := time.Date(2026, 3, 9, 8, 30, 0, 0, time.UTC)
		must(t, st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.MarkEmailBounced(ctx, "gone@example.com", "5.1.1", at)
			return err
		}))
		b, err = svc.EmailBounce(ctx, agent, " Gone@Example.com ")
		must(t, err)
		if b == nil || b.Status != "5.1.1" || !b.At.Equal(at) || b.Email != "gone@example.com" {
			t.Fatalf("bounce = %+v", b)
		}
		if b, err := svc.EmailBounce(ctx, agent, "nobody@example.com"); err != nil || b != nil {
			t.Fatalf("unknown address: %+v, %v", b, err)
		}
		_, err = svc.EmailBounce(ctx, desk.Actor{}, "gone@example.com")
		wantCode(t, err, desk.EForbidden)
		must(t, st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.MarkEmailBounced(ctx, "gone@example.com", "", at)
			return err
		}))
		if b, err := svc.EmailBounce(ctx, agent, "gone@example.com"); err != nil || b != nil {
			t.Fatalf("after clearing: %+v, %v", b, err)
		}
	})
}
