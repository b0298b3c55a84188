package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/server"
	"switchboard/internal/store/storetest"
	"switchboard/internal/team"
)

func TestParseChatFlags(t *testing.T) {
	t.Setenv("SBLOAD_PASSWORD", "pw")
	ok := []string{"-token", "x", "-mode", "chat", "-key", "k", "-email", "a@example.com"}
	bad := [][]string{
		{"-key", ""},
		{"-email", ""},
		{"-visitors", "0"},
		{"-visitors", "1000000"},
		{"-chatting", "1.5"},
		{"-reply", "-1"},
		{"-interval", "100ms"},
		{"-ramp", "0"},
		{"-ramp", "100000"},
		{"-agents", "0"},
		{"-agents", "100"},
		{"-drain", "0s"},
		{"-slow", "0s"},
	}
	for _, extra := range bad {
		if _, err := parseFlags(append(append([]string{}, ok...), extra...)); err == nil {
			t.Errorf("parseFlags(%q) accepted", extra)
		}
	}
	o, err := parseFlags(append(ok, "-url", "http://127.0.0.1:9/"))
	if err != nil || o.chat.visitors != 100 || o.chat.origin != "http://127.0.0.1:9" || o.chat.perIP != 16 || o.chat.password != "pw" {
		t.Errorf("parseFlags: %+v, %v", o.chat, err)
	}
	if o, err := parseFlags(append(ok, "-url", "http://desk.example.com/")); err != nil || o.chat.perIP != 0 {
		t.Errorf("source addresses away from loopback: %+v, %v", o.chat, err)
	}
}

// Slow deliveries are counted and grouped by the second they were sent in,
// the busiest 8 seconds listed in time order.
func TestSlowSends(t *testing.T) {
	s := slowSends{limit: 50 * time.Millisecond}
	if got := s.String(); got != "none over 50ms" {
		t.Errorf("empty: %q", got)
	}
	base := time.Date(2026, 12, 1, 0, 21, 30, 0, time.UTC)
	s.add(base, 50*time.Millisecond) // not over the limit
	for i := range 10 {
		// second i holds i+1 slow sends: seconds 0 and 1 are the least busy.
		for j := 0; j <= i; j++ {
			s.add(base.Add(time.Duration(i)*time.Second+time.Duration(j)*time.Millisecond), 60*time.Millisecond)
		}
	}
	want := "55 over 50ms, sent in 00:21:32×3 00:21:33×4 00:21:34×5 00:21:35×6 00:21:36×7 00:21:37×8 00:21:38×9 00:21:39×10 and 2 more seconds"
	if got := s.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestRunChat runs chat mode against a real server: every message and
// reply must arrive once.
func TestRunChat(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := storetest.NewSQLite(t)
	svc := server.NewServices(st, nil, nil)
	ag, err := svc.Team.CreateAgent(ctx, desk.System, team.NewAgent{Email: "load@example.com", Name: "Load Agent", Role: desk.RoleAgent, Password: "correct-horse-battery"})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := svc.Auth.CreateToken(ctx, desk.System, ag.ID, "load")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ch, err := svc.Chat.CreateChannel(ctx, desk.System, chat.ChannelInput{Name: "Load", Origins: []string{base}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.Build(ctx, svc, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = svc.ChatHub.Run(ctx) }()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	t.Setenv("SBLOAD_PASSWORD", "correct-horse-battery")
	o, err := parseFlags([]string{"-mode", "chat", "-url", base, "-token", token, "-key", ch.PublicKey, "-email", "load@example.com",
		"-visitors", "40", "-chatting", "0.5", "-interval", "2s", "-duration", "3s", "-reply", "1", "-per-ip", "8", "-ramp", "200"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := runChat(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res.print(&out, o)
	t.Log("\n" + out.String())
	if st, err := svc.Chat.Status(ctx, desk.Actor{Kind: desk.ActorAgent, AgentID: ag.ID, Role: desk.RoleAgent}); err != nil || st != desk.AgentOnline {
		t.Errorf("the agent's chat status is %q (%v), want online", st, err)
	}
	if res.failed() || res.connected != 40 || res.chatting != 20 || len(res.agentLat[0]) < 20 || len(res.replyLat) < 10 {
		t.Errorf("run failed or too small")
	}
	for _, want := range []string{"connect: 40 ok, 0 failed", "lost 0, duplicated 0", "server resident memory (/metrics)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
