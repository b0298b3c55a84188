package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"switchboard/internal/chat"
	"switchboard/internal/config"
	"switchboard/internal/desk"
	"switchboard/internal/server"
)

// multiFlag is a flag that may be given several times.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

const chatAddSummary = "chat add --name NAME --origin URL [--origin URL ...] [--team TEAM] [--greeting TEXT] [--color #RRGGBB]\n" +
	"      add a chat channel for the sites at those origins and print its embed snippet (only the\n" +
	"      snippet) on stdout; the snippet points at SWITCHBOARD_BASE_URL (or --base-url)"

// runChatAdd implements `switchboard chat add`: it creates an active chat
// channel and prints its embed snippet alone on stdout, so a script can
// capture it; what was made goes to stderr.
func runChatAdd(ctx context.Context, sio IO, args []string) error {
	fs := newFlagSet("chat add", sio.Stderr)
	name := fs.String("name", "", "the channel's name, e.g. \"Website\"")
	var origins multiFlag
	fs.Var(&origins, "origin", "a site whose pages may show the chat, e.g. https://www.example.com; https://*.example.com allows its subdomains (repeat for more)")
	teamArg := fs.String("team", "", "team (name or id) whose agents answer the chats (default: any agent)")
	greeting := fs.String("greeting", "", "the first line visitors see, e.g. \"Hi! How can we help?\"")
	color := fs.String("color", "", "the widget's colour as #RRGGBB (default #2563eb)")
	cfg := config.FromEnv(sio.Getenv)
	cfg.DatabaseFlags(fs)
	fs.StringVar(&cfg.BaseURL, "base-url", cfg.BaseURL, "Switchboard's public URL, which the snippet loads the widget from (`"+config.EnvBaseURL+"`)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Finalize(); err != nil {
		return usageError{"configuration: " + strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	if strings.TrimSpace(*name) == "" {
		return usagef("--name is required: switchboard chat add --name Website --origin https://www.example.com")
	}
	if len(origins) == 0 {
		return usagef("--origin is required: the address of the site that shows the chat, e.g. --origin https://www.example.com")
	}
	st, err := openStore(ctx, cfg, true, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := server.NewServices(st, nil, nil)
	in := chat.ChannelInput{Name: *name, Origins: origins, Greeting: *greeting, Color: *color, Active: true}
	if *teamArg != "" {
		id, err := findTeam(ctx, svc.Team, *teamArg)
		if err != nil {
			return err
		}
		in.TeamID = &id
	}
	c, err := svc.Chat.CreateChannel(ctx, desk.System, in)
	if err != nil {
		return err
	}
	fmt.Fprintln(sio.Stdout, chat.EmbedSnippet(cfg.BaseURL, c))
	answered := "any agent"
	if c.Team != nil {
		answered = "team " + c.Team.Name
	}
	fmt.Fprintf(sio.Stderr, "chat channel %d %q (key %s) for %s, answered by %s.\n", c.ID, c.Name, c.PublicKey, strings.Join(c.Origins, " "), answered)
	fmt.Fprintf(sio.Stderr, "The snippet loads the widget from %s; paste it into your site's pages. More settings: Admin → Chat.\n", cfg.BaseURL)
	return nil
}

// runChatList implements `switchboard chat list`: a table of the chat
// channels with their key, allowed origins and whether they are on.
func runChatList(ctx context.Context, sio IO, args []string) error {
	fs := newFlagSet("chat list", sio.Stderr)
	cfg, err := dbConfig(sio, fs, args)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, true, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := server.NewServices(st, nil, nil).Chat.Channels(ctx, desk.System)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		fmt.Fprintln(sio.Stdout, "No chat channels; add one with 'switchboard chat add --name NAME --origin URL'.")
		return nil
	}
	tw := tabwriter.NewWriter(sio.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tKEY\tACTIVE\tTEAM\tORIGINS")
	for _, c := range cs {
		active, team, origins := "yes", "-", strings.Join(c.Origins, " ")
		if !c.Active {
			active = "no"
		}
		if c.Team != nil {
			team = c.Team.Name
		}
		if origins == "" {
			origins = "- (none: the widget shows nowhere)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.PublicKey, active, team, origins)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write chat channel list: %w", err)
	}
	return nil
}
