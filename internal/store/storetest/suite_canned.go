package storetest

import (
	"context"
	"testing"
	"time"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// testCanned checks canned responses: round trip, the shortcut's
// uniqueness, team visibility through membership, folded search with LIKE
// metacharacters taken literally, the orders and the use counter, and what
// deleting a team or an agent leaves behind.
func testCanned(t *testing.T, st *store.Store) {
	ctx := context.Background()
	s := seedBasics(t, st) // agent (no team yet), agent2, team "Support"
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.SetTeamMembers(ctx, s.team, []int64{s.agent}) }))
	var other int64
	must(t, st.Write(ctx, func(tx *store.Tx) error {
		var err error
		other, err = tx.InsertTeam(ctx, "Other", t0())
		return err
	}))
	ins := func(c desk.CannedResponse) desk.CannedResponse {
		t.Helper()
		c.CreatedAt, c.UpdatedAt = t0(), t0()
		must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.InsertCannedResponse(ctx, &c) }))
		return c
	}
	shared := ins(desk.CannedResponse{Title: "Welcome", Body: "Hello {{customer.name}}", Shortcut: "hi", CreatedBy: &desk.AgentRef{ID: s.agent2}})
	mine := ins(desk.CannedResponse{Title: "Česky: Děkujeme", Body: "100% done_ok", Team: &desk.TeamRef{ID: s.team}})
	theirs := ins(desk.CannedResponse{Title: "Apology", Body: "Sorry", Team: &desk.TeamRef{ID: other}})

	got, err := st.Read().CannedResponse(ctx, shared.ID)
	must(t, err)
	if got.Title != "Welcome" || got.Body != "Hello {{customer.name}}" || got.Shortcut != "hi" || got.Team != nil ||
		got.CreatedBy == nil || got.CreatedBy.ID != s.agent2 || got.CreatedBy.Name != "Two" || !got.CreatedAt.Equal(t0()) || got.Uses != 0 {
		t.Fatalf("round trip = %+v", got)
	}
	got, err = st.Read().CannedResponse(ctx, mine.ID)
	must(t, err)
	if got.Shortcut != "" || got.Team == nil || got.Team.Name != "Support" || got.CreatedBy != nil {
		t.Fatalf("team response = %+v", got)
	}
	_, err = st.Read().CannedResponse(ctx, 424242)
	wantCode(t, err, desk.ENotFound)

	// A second response with the same shortcut conflicts; any number
	// without one do not.
	err = st.Write(ctx, func(tx *store.Tx) error {
		c := desk.CannedResponse{Title: "Dup", Body: "x", Shortcut: "hi", CreatedAt: t0(), UpdatedAt: t0()}
		return tx.InsertCannedResponse(ctx, &c)
	})
	wantCode(t, err, desk.EConflict)

	list := func(f store.CannedFilter) []int64 {
		t.Helper()
		cs, err := st.Read().CannedResponses(ctx, f)
		must(t, err)
		ids := []int64{}
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		return ids
	}
	same := func(what string, got []int64, want ...int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", what, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: %v, want %v", what, got, want)
				return
			}
		}
	}
	// By title, case and accents ignored: Apology, Česky, Welcome.
	same("all", list(store.CannedFilter{}), theirs.ID, mine.ID, shared.ID)
	same("member of Support", list(store.CannedFilter{VisibleTo: s.agent}), mine.ID, shared.ID)
	same("member of nothing", list(store.CannedFilter{VisibleTo: s.agent2}), shared.ID)
	for id, want := range map[int64]bool{shared.ID: true, mine.ID: true, theirs.ID: false} {
		ok, err := st.Read().CannedVisible(ctx, id, s.agent)
		must(t, err)
		if ok != want {
			t.Errorf("visible %d: %v", id, ok)
		}
	}
	// Search folds case and accents; % and _ are text, not wildcards.
	same("folded", list(store.CannedFilter{Q: "DEKUJEME cesky"}), mine.ID)
	same("percent", list(store.CannedFilter{Q: "100%"}), mine.ID)
	same("percent is literal", list(store.CannedFilter{Q: "1%0"}))
	same("underscore is literal", list(store.CannedFilter{Q: "done_ok"}), mine.ID)
	same("underscore is literal 2", list(store.CannedFilter{Q: "donexok"}))
	same("shortcut", list(store.CannedFilter{Q: "HI"}), shared.ID)
	same("placeholder text", list(store.CannedFilter{Q: "{{customer.name}}"}), shared.ID)

	// Uses: counted, and first in the popular order; an exact shortcut
	// before everything.
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.CountCannedUse(ctx, theirs.ID) }))
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.CountCannedUse(ctx, theirs.ID) }))
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.CountCannedUse(ctx, mine.ID) }))
	wantCode(t, st.Write(ctx, func(tx *store.Tx) error { return tx.CountCannedUse(ctx, 424242) }), desk.ENotFound)
	same("popular", list(store.CannedFilter{Popular: true}), theirs.ID, mine.ID, shared.ID)
	same("popular, limited", list(store.CannedFilter{Popular: true, Limit: 2}), theirs.ID, mine.ID)
	ins(desk.CannedResponse{Title: "Hi there", Body: "hi"}) // matches "hi" by its text, not its shortcut
	cs, err := st.Read().CannedResponses(ctx, store.CannedFilter{Q: "hi", Popular: true})
	must(t, err)
	if len(cs) != 2 || cs[0].ID != shared.ID {
		t.Errorf("exact shortcut first: %+v", cs)
	}

	// Update: text, shortcut and team; the search follows the new text.
	up := mine
	up.Title, up.Body, up.Shortcut, up.Team, up.UpdatedAt = "Thanks", "Thank you", "thx", nil, t0().Add(time.Hour)
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.UpdateCannedResponse(ctx, up) }))
	got, err = st.Read().CannedResponse(ctx, mine.ID)
	must(t, err)
	if got.Title != "Thanks" || got.Shortcut != "thx" || got.Team != nil || got.Uses != 1 || !got.UpdatedAt.Equal(t0().Add(time.Hour)) || !got.CreatedAt.Equal(t0()) {
		t.Fatalf("updated = %+v", got)
	}
	same("old text gone", list(store.CannedFilter{Q: "dekujeme"}))
	same("new text", list(store.CannedFilter{Q: "thank"}), mine.ID)
	up.ID = 424242
	wantCode(t, st.Write(ctx, func(tx *store.Tx) error { return tx.UpdateCannedResponse(ctx, up) }), desk.ENotFound)

	// Deleting the team shares its responses with everyone.
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteTeam(ctx, other) }))
	got, err = st.Read().CannedResponse(ctx, theirs.ID)
	must(t, err)
	if got.Team != nil {
		t.Errorf("after deleting its team: %+v", got)
	}

	// Delete.
	must(t, st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteCannedResponse(ctx, shared.ID) }))
	_, err = st.Read().CannedResponse(ctx, shared.ID)
	wantCode(t, err, desk.ENotFound)
	wantCode(t, st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteCannedResponse(ctx, shared.ID) }), desk.ENotFound)
}
