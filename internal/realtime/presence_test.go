package realtime

import (
	"encoding/json"
	"testing"
	"time"

	"switchboard/internal/desk"
)

func TestTrackerLifecycle(t *testing.T) {
	clk := desk.NewFixedClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	tr := NewTracker(clk, 30*time.Second)

	steps := []struct {
		name    string
		advance time.Duration
		do      func() bool
		want    bool
		who     []string // "Name:state" on ticket 1, seen by agent 99
	}{
		{"ana starts viewing", 0, func() bool { return tr.Beat(1, 10, "Ana", Viewing) }, true, []string{"Ana:viewing"}},
		{"heartbeat is no change", 10 * time.Second, func() bool { return tr.Beat(1, 10, "Ana", Viewing) }, false, []string{"Ana:viewing"}},
		{"bo joins", 0, func() bool { return tr.Beat(1, 11, "Bo", Viewing) }, true, []string{"Ana:viewing", "Bo:viewing"}},
		{"ana replies", 5 * time.Second, func() bool { return tr.Beat(1, 10, "Ana", Replying) }, true, []string{"Ana:replying", "Bo:viewing"}},
		{"bo expires after ttl", 31 * time.Second, func() bool { return false }, false, []string{}},
		{"ana back after expiry is a change", 0, func() bool { return tr.Beat(1, 10, "Ana", Viewing) }, true, []string{"Ana:viewing"}},
		{"ana leaves", time.Second, func() bool { return tr.Beat(1, 10, "Ana", Left) }, true, []string{}},
		{"leaving twice is no change", 0, func() bool { return tr.Beat(1, 10, "Ana", Left) }, false, []string{}},
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		if got := s.do(); got != s.want {
			t.Errorf("%s: changed = %v, want %v", s.name, got, s.want)
		}
		var who []string
		for _, p := range tr.Who(1, 99) {
			who = append(who, p.Name+":"+string(p.State))
		}
		if len(who) != len(s.who) {
			t.Errorf("%s: who = %v, want %v", s.name, who, s.who)
			continue
		}
		for i := range who {
			if who[i] != s.who[i] {
				t.Errorf("%s: who = %v, want %v", s.name, who, s.who)
			}
		}
	}
}

func TestTrackerExceptAndTickets(t *testing.T) {
	clk := desk.NewFixedClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	tr := NewTracker(clk, time.Minute)
	tr.Beat(1, 10, "Ana", Viewing)
	tr.Beat(2, 11, "Bo", Replying)
	if got := tr.Who(1, 10); len(got) != 0 {
		t.Errorf("Who(1, except Ana) = %v", got)
	}
	if got := tr.Who(2, 10); len(got) != 1 || got[0].Name != "Bo" || got[0].State != Replying {
		t.Errorf("Who(2) = %v", got)
	}
}

func TestTrackerSweep(t *testing.T) {
	clk := desk.NewFixedClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	tr := NewTracker(clk, 30*time.Second)
	tr.Beat(3, 10, "Ana", Viewing)
	clk.Advance(20 * time.Second)
	tr.Beat(1, 11, "Bo", Viewing)
	if got := tr.Sweep(); len(got) != 0 {
		t.Errorf("early sweep = %v", got)
	}
	clk.Advance(15 * time.Second)
	if got := tr.Sweep(); len(got) != 1 || got[0] != 3 {
		t.Errorf("sweep = %v, want [3]", got)
	}
	clk.Advance(time.Minute)
	if got := tr.Sweep(); len(got) != 1 || got[0] != 1 {
		t.Errorf("sweep = %v, want [1]", got)
	}
}

func TestTrackerApplyAcrossInstances(t *testing.T) {
	clk := desk.NewFixedClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	tr := NewTracker(clk, 30*time.Second)
	ev := PresenceEvent(7, 10, "Ana", Replying, true)
	// As it would arrive from another instance: JSON round trip.
	b, _ := json.Marshal(ev)
	var remote Event
	if err := json.Unmarshal(b, &remote); err != nil {
		t.Fatal(err)
	}
	if !tr.Apply(remote) {
		t.Error("first apply should change")
	}
	if tr.Apply(ev) {
		t.Error("same state again should not change")
	}
	if got := tr.Who(7, 0); len(got) != 1 || got[0].State != Replying {
		t.Errorf("Who = %v", got)
	}
	if tr.Apply(Event{Type: TicketUpdated, TicketID: 7, AgentID: 10}) {
		t.Error("non-presence event applied")
	}
}

func TestTrackerPublishesThroughBroker(t *testing.T) {
	b := NewLocal(4)
	ch, cancel := b.Subscribe()
	defer cancel()
	clk := desk.NewFixedClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	local, remote := NewTracker(clk, time.Minute), NewTracker(clk, time.Minute)
	changed := local.Beat(5, 10, "Ana", Viewing)
	b.Publish(t.Context(), PresenceEvent(5, 10, "Ana", Viewing, changed))
	ev := <-ch
	if !remote.Apply(ev) {
		t.Fatal("remote did not apply")
	}
	if d, _ := DecodePresence(ev); !d.Changed {
		t.Error("Changed flag lost")
	}
	if got := remote.Who(5, 0); len(got) != 1 || got[0].Name != "Ana" {
		t.Errorf("remote Who = %v", got)
	}
}
