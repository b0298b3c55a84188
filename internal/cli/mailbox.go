package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"switchboard/internal/config"
	"switchboard/internal/desk"
	"switchboard/internal/mailbox"
	"switchboard/internal/server"
	"switchboard/internal/team"
)

// runMailboxAdd implements `switchboard mailbox add ADDRESS [--name N]
// [--team TEAM] [--inbound MODE] [--imap URL] [--smtp URL]`. It prints one
// line without secrets: "mailbox ID ADDRESS (INBOUND)".
func runMailboxAdd(ctx context.Context, sio IO, args []string) error {
	fs := newFlagSet("mailbox add", sio.Stderr)
	name := fs.String("name", "", "display name on outgoing mail, e.g. \"Acme Support\"")
	teamArg := fs.String("team", "", "team (name or id) that new tickets go to")
	inbound := fs.String("inbound", "", "how mail arrives: "+desk.Join(desk.InboundModes)+" (default imap with --imap, smtp otherwise)")
	imapURL := fs.String("imap", "", "IMAP account to fetch from: imaps://user:password@host[:993]/FOLDER (imap:// for STARTTLS)")
	smtpURL := fs.String("smtp", "", "outbound relay: smtp://[user:password@]host:port (STARTTLS when offered) or smtps://...")
	// ADDRESS may come before or after the flags.
	address := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		address, args = args[0], args[1:]
	}
	cfg, rest, err := dbConfigArgs(sio, fs, args)
	if err != nil {
		return err
	}
	switch {
	case address == "" && len(rest) == 1:
		address = rest[0]
	case len(rest) > 0:
		return usagef("unexpected argument %q", rest[0])
	}
	if strings.TrimSpace(address) == "" {
		return usagef("ADDRESS is required: switchboard mailbox add support@example.com [--name N] [--imap URL] [--smtp URL]")
	}
	st, err := openStore(ctx, cfg, true, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := server.NewServices(st, nil, nil)
	in := mailbox.Input{Address: address, Name: *name, Inbound: desk.InboundMode(*inbound), IMAPURL: *imapURL, SMTPURL: *smtpURL}
	if *teamArg != "" {
		if in.TeamID, err = findTeam(ctx, svc.Team, *teamArg); err != nil {
			return err
		}
	}
	m, err := svc.Mailboxes.Create(ctx, desk.System, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(sio.Stdout, "mailbox %d %s (%s)\n", m.ID, m.Address, m.Inbound)
	return nil
}

// findTeam resolves a team by id or by name (case-insensitive).
func findTeam(ctx context.Context, svc *team.Service, arg string) (int64, error) {
	ts, err := svc.Teams(ctx, desk.System)
	if err != nil {
		return 0, err
	}
	id, _ := strconv.ParseInt(arg, 10, 64)
	names := make([]string, 0, len(ts))
	for _, t := range ts {
		if t.ID == id || strings.EqualFold(t.Name, strings.TrimSpace(arg)) {
			return t.ID, nil
		}
		names = append(names, t.Name)
	}
	if len(names) == 0 {
		return 0, fmt.Errorf("no team %q: there are no teams yet", arg)
	}
	return 0, fmt.Errorf("no team %q; teams: %s", arg, strings.Join(names, ", "))
}

// runMailboxList implements `switchboard mailbox list`: a table of every
// mailbox with its inbound mode, status and redacted URLs, then the last
// error of each failing one.
func runMailboxList(ctx context.Context, sio IO, args []string) error {
	fs := newFlagSet("mailbox list", sio.Stderr)
	cfg, err := dbConfig(sio, fs, args)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, true, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	ms, err := server.NewServices(st, nil, nil).Mailboxes.List(ctx, desk.System)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		fmt.Fprintln(sio.Stdout, "No mailboxes; add one with 'switchboard mailbox add ADDRESS'.")
		return nil
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	tw := tabwriter.NewWriter(sio.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tADDRESS\tINBOUND\tSTATUS\tTEAM\tIMAP\tSMTP")
	for _, m := range ms {
		status := m.Status
		if !m.Active {
			status += " (paused)"
		}
		teamName := ""
		if m.Team != nil {
			teamName = m.Team.Name
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.Address, m.Inbound, status, dash(teamName),
			dash(mailbox.RedactURL(m.IMAPURL)), dash(mailbox.RedactURL(m.SMTPURL)))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write mailbox list: %w", err)
	}
	for _, m := range ms {
		if m.Status != desk.MailboxFailing {
			continue
		}
		since := ""
		if m.LastErrorAt != nil {
			since = " since " + m.LastErrorAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(sio.Stdout, "%s failing%s: %s\n", m.Address, since, m.LastError)
	}
	return nil
}

// dbConfigArgs is dbConfig for commands with positional arguments: it
// returns them instead of refusing them.
func dbConfigArgs(sio IO, fs *flag.FlagSet, args []string) (config.Config, []string, error) {
	cfg := config.FromEnv(sio.Getenv)
	cfg.DatabaseFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, nil, err
		}
		return cfg, nil, usageError{err.Error()}
	}
	if err := cfg.Finalize(); err != nil {
		return cfg, nil, usageError{"configuration: " + strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	return cfg, fs.Args(), nil
}
