package team_test

import (
	"context"
	"slices"
	"switchboard/internal/desk/desktest"
	"testing"

	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
)

var (
	must     = desktest.Must
	wantCode = desktest.WantCode
)

func TestAgentsAndTeams(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := team.New(st, nil)
		admin, err := svc.CreateAgent(ctx, desk.System, team.NewAgent{Email: "Root@Example.com", Name: "Root", Role: desk.RoleAdmin, Password: "longenough"})
		must(t, err)
		if admin.Email != "root@example.com" || !admin.Active || admin.Role != desk.RoleAdmin {
			t.Fatalf("admin = %+v", admin)
		}
		adminA := desk.Actor{Kind: desk.ActorAgent, AgentID: admin.ID, Name: admin.Name, Role: desk.RoleAdmin}
		bob, err := svc.CreateAgent(ctx, adminA, team.NewAgent{Email: "bob@example.com", Name: "Bob"})
		must(t, err)
		bobA := desk.Actor{Kind: desk.ActorAgent, AgentID: bob.ID, Name: bob.Name, Role: desk.RoleAgent}
		if bob.Role != desk.RoleAgent {
			t.Fatalf("default role = %s", bob.Role)
		}

		_, err = svc.CreateAgent(ctx, adminA, team.NewAgent{Email: "BOB@example.com", Name: "Bob 2"})
		wantCode(t, err, desk.EConflict)
		for _, in := range []team.NewAgent{
			{Email: "bad", Name: "x"}, {Email: "x@example.com"}, {Email: "x@example.com", Name: "x", Role: "root"},
			{Email: "x@example.com", Name: "x", Password: "short"},
		} {
			_, err = svc.CreateAgent(ctx, adminA, in)
			wantCode(t, err, desk.EInvalid)
		}

		// Agents may read, not write.
		_, err = svc.CreateAgent(ctx, bobA, team.NewAgent{Email: "eve@example.com", Name: "Eve"})
		wantCode(t, err, desk.EForbidden)
		_, err = svc.CreateTeam(ctx, bobA, "Nope", nil)
		wantCode(t, err, desk.EForbidden)
		name := "x"
		_, err = svc.UpdateAgent(ctx, bobA, bob.ID, team.AgentUpdate{Name: &name})
		wantCode(t, err, desk.EForbidden)
		wantCode(t, svc.DeleteTeam(ctx, bobA, 1), desk.EForbidden)
		_, err = svc.Agents(ctx, desk.Actor{})
		wantCode(t, err, desk.EForbidden)

		sales, err := svc.CreateTeam(ctx, adminA, "Sales", []int64{bob.ID})
		must(t, err)
		_, err = svc.CreateTeam(ctx, adminA, "sales", nil)
		wantCode(t, err, desk.EConflict)
		_, err = svc.CreateTeam(ctx, adminA, "Ghosts", []int64{4242})
		wantCode(t, err, desk.EInvalid)
		support, err := svc.CreateTeam(ctx, adminA, "Support", nil)
		must(t, err)
		teams, err := svc.Teams(ctx, bobA)
		must(t, err)
		if len(teams) != 2 || teams[0].Name != "Sales" || !slices.Equal(teams[0].AgentIDs, []int64{bob.ID}) {
			t.Fatalf("teams = %+v", teams)
		}
		ids := []int64{support.ID, sales.ID}
		bob, err = svc.UpdateAgent(ctx, adminA, bob.ID, team.AgentUpdate{TeamIDs: &ids})
		must(t, err)
		if len(bob.TeamIDs) != 2 {
			t.Fatalf("bob teams = %v", bob.TeamIDs)
		}
		newName := "Key accounts"
		members := []int64{admin.ID}
		sales, err = svc.UpdateTeam(ctx, adminA, sales.ID, &newName, &members)
		must(t, err)
		if sales.Name != newName || !slices.Equal(sales.AgentIDs, members) {
			t.Fatalf("sales = %+v", sales)
		}
		must(t, svc.DeleteTeam(ctx, adminA, support.ID))
		wantCode(t, svc.DeleteTeam(ctx, adminA, support.ID), desk.ENotFound)
		got, err := svc.AgentByEmail(ctx, bobA, "BOB@EXAMPLE.COM")
		must(t, err)
		if got.ID != bob.ID || len(got.TeamIDs) != 0 { // moved out of Sales, Support deleted
			t.Fatalf("bob = %+v", got)
		}
		_, err = svc.Agent(ctx, bobA, 9999)
		wantCode(t, err, desk.ENotFound)
	})
}

func TestLastAdmin(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := team.New(st, nil)
		a1, err := svc.CreateAgent(ctx, desk.System, team.NewAgent{Email: "a1@example.com", Name: "A1", Role: desk.RoleAdmin})
		must(t, err)
		actor := desk.Actor{Kind: desk.ActorAgent, AgentID: a1.ID, Name: "A1", Role: desk.RoleAdmin}
		agentRole, off := desk.RoleAgent, false
		_, err = svc.UpdateAgent(ctx, actor, a1.ID, team.AgentUpdate{Role: &agentRole})
		wantCode(t, err, desk.EConflict)
		_, err = svc.UpdateAgent(ctx, actor, a1.ID, team.AgentUpdate{Active: &off})
		wantCode(t, err, desk.EConflict)
		a2, err := svc.CreateAgent(ctx, actor, team.NewAgent{Email: "a2@example.com", Name: "A2", Role: desk.RoleAdmin})
		must(t, err)
		_, err = svc.UpdateAgent(ctx, actor, a1.ID, team.AgentUpdate{Role: &agentRole})
		must(t, err)
		_, err = svc.UpdateAgent(ctx, desk.System, a2.ID, team.AgentUpdate{Active: &off})
		wantCode(t, err, desk.EConflict)
	})
}
