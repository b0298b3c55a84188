// Command chatsetup prepares a Switchboard database for sbload's chat
// mode until `switchboard chat add` exists: it makes a chat channel that
// allows the given origins, puts the agent online for chats (with a first
// heartbeat), and prints the channel's public key. It reads the database
// settings as `switchboard` does (SWITCHBOARD_DATABASE_URL,
// SWITCHBOARD_DATA_DIR).
//
//	chatsetup -agent load@example.com -origin http://127.0.0.1:18080
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"switchboard/internal/chat"
	"switchboard/internal/config"
	"switchboard/internal/desk"
	"switchboard/internal/store"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
)

func main() {
	agent := flag.String("agent", "", "email of the agent to put online for chats (required)")
	origins := flag.String("origin", "", "comma-separated origins allowed to use the widget (required)")
	name := flag.String("name", "Load test", "the channel's name")
	flag.Parse()
	if *agent == "" || *origins == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(context.Background(), *agent, *name, strings.Split(*origins, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "chatsetup:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, email, name string, origins []string) error {
	cfg := config.FromEnv(os.Getenv)
	if err := cfg.Finalize(); err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return err
	}
	defer st.Close()
	svc := chat.New(st, ticket.New(st, nil, nil), nil, nil, chat.Options{})
	ch, err := svc.CreateChannel(ctx, desk.System, chat.ChannelInput{Name: name, Origins: origins, Active: true})
	if err != nil {
		return err
	}
	ag, err := team.New(st, nil).AgentByEmail(ctx, desk.System, email)
	if err != nil {
		return fmt.Errorf("agent %s: %w", email, err)
	}
	a := desk.Actor{Kind: desk.ActorAgent, AgentID: ag.ID, Name: ag.Name, Role: ag.Role}
	if err := svc.SetStatus(ctx, a, desk.AgentOnline); err != nil {
		return err
	}
	if err := svc.Heartbeat(ctx, a); err != nil {
		return err
	}
	fmt.Println(ch.PublicKey)
	return nil
}
