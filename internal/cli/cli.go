// Package cli implements the switchboard command line: serve, migrate,
// user add, token create, mailbox add and list, chat add and list, mail
// parse, mail ingest and help. Each command parses its own flags (the
// standard flag package), builds the typed configuration, and reports
// errors on stderr with a non-zero exit code.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"

	"switchboard/internal/config"
	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Exit codes.
const (
	ExitOK    = 0 // success
	ExitError = 1 // the command failed
	ExitUsage = 2 // the command line was wrong
)

// IO is the process environment a command runs in, injected so tests can
// run commands in-process.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// usageError marks errors caused by a wrong command line (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, sio IO, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "serve [--demo] [flags]\n      run everything; --demo loads sample data and prints a login", runServe},
		{"migrate", "migrate [flags]\n      apply database migrations and exit", runMigrate},
		{"user add", "user add --email E --name N --role admin|agent [--password-stdin]\n      add an agent; without --password-stdin a password is generated and printed once", runUserAdd},
		{"token create", "token create --email E [--name LABEL]\n      print a new API token for that agent (only the token) on stdout", runTokenCreate},
		{"mailbox add", "mailbox add ADDRESS [--name N] [--team TEAM] [--inbound smtp|imap|pipe] [--imap URL] [--smtp URL]\n      add a support address; --imap imaps://user:pass@host[:993]/INBOX fetches from that account,\n      --smtp smtp://[user:pass@]host:port (STARTTLS when offered; credentials only over TLS or to\n      loopback) or smtps://... sends replies through that relay", runMailboxAdd},
		{"mailbox list", "mailbox list\n      list the mailboxes with their status (passwords shown as ****)", runMailboxList},
		{"chat add", chatAddSummary, runChatAdd},
		{"chat list", "chat list\n      list the chat channels with their key, whether they are on, team and allowed origins", runChatList},
		{"mail parse", "mail parse [FILE]\n      parse one message (stdin without FILE) and print its JSON", runMailParse},
		{"mail ingest", ingestSummary, runMailIngest},
	}
}

// Run executes the command line args (without the program name) and
// returns the process exit code. ctx is canceled on SIGINT/SIGTERM.
func Run(ctx context.Context, args []string, sio IO) int {
	if sio.Getenv == nil {
		sio.Getenv = os.Getenv
	}
	if len(args) == 0 {
		usage(sio.Stderr)
		return ExitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(sio.Stdout)
		return ExitOK
	}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) < len(words) || strings.Join(args[:len(words)], " ") != c.name {
			continue
		}
		err := c.run(ctx, sio, args[len(words):])
		return report(sio.Stderr, c.name, err)
	}
	if args[0] == "user" || args[0] == "token" || args[0] == "mail" || args[0] == "mailbox" || args[0] == "chat" {
		fmt.Fprintf(sio.Stderr, "switchboard: unknown %s command %q; see 'switchboard help'\n", args[0], strings.Join(args[1:], " "))
	} else {
		fmt.Fprintf(sio.Stderr, "switchboard: unknown command %q; see 'switchboard help'\n", args[0])
	}
	return ExitUsage
}

func report(stderr io.Writer, name string, err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	var xe exitError
	if errors.As(err, &xe) {
		fmt.Fprintf(stderr, "switchboard %s: %s\n", name, xe.msg)
		return xe.code
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "switchboard %s: %s\n", name, ue.msg)
		return ExitUsage
	}
	var de *desk.Error
	if errors.As(err, &de) {
		fmt.Fprintf(stderr, "switchboard %s: %s\n", name, de.Message)
		for _, f := range slices.Sorted(maps.Keys(de.Fields)) {
			fmt.Fprintf(stderr, "  %s: %s\n", f, de.Fields[f])
		}
		return ExitError
	}
	fmt.Fprintf(stderr, "switchboard %s: %v\n", name, err)
	return ExitError
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Switchboard is a self-hosted help desk.")
	fmt.Fprintln(w, "\nUsage:")
	for _, c := range commands() {
		fmt.Fprintln(w, "  switchboard "+c.summary)
	}
	fmt.Fprintln(w, "  switchboard help\n      show this help")
	fmt.Fprintln(w, "\nConfiguration comes from environment variables, each also a flag of serve:")
	for _, v := range [][2]string{
		{config.EnvDataDir, "data directory: SQLite file, attachments (default ./data)"},
		{config.EnvDatabaseURL, "postgres://... selects PostgreSQL (default SQLite in the data dir)"},
		{config.EnvHTTPAddr, "HTTP listen address (default 127.0.0.1:8080)"},
		{config.EnvSMTPAddr, "inbound SMTP listen address (default off)"},
		{config.EnvBaseURL, "public URL used in emails and links (default from the HTTP address)"},
		{config.EnvLogLevel, "debug, info, warn or error (default info)"},
		{config.EnvLogFormat, "text or json (default text)"},
	} {
		fmt.Fprintf(w, "  %-26s %s\n", v[0], v[1])
	}
	fmt.Fprintln(w, "\nRun 'switchboard COMMAND -h' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage to stderr.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("switchboard "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args and rejects stray positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// flagError turns a flag parsing error into a usage error (help stays help).
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{err.Error()}
}

// newLogger builds the process logger on stderr from cfg.
func newLogger(cfg config.Config, stderr io.Writer) *slog.Logger {
	level, _ := cfg.Level()
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(stderr, opts))
	}
	return slog.New(slog.NewTextHandler(stderr, opts))
}

// openStore opens (and, with migrate, migrates) the database cfg names,
// creating the data directory for SQLite. log (nil: none) receives the
// store's own reports: slow write transactions, checkpoint failures.
func openStore(ctx context.Context, cfg config.Config, migrate bool, log *slog.Logger) (*store.Store, error) {
	if !cfg.Postgres() {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	st, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", cfg.DatabaseLabel(), err)
	}
	if migrate {
		if err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, fmt.Errorf("migrate database %s: %w", cfg.DatabaseLabel(), err)
		}
	}
	return st, nil
}

// dbConfig parses the database flags of a non-serve command.
func dbConfig(sio IO, fs *flag.FlagSet, args []string) (config.Config, error) {
	cfg := config.FromEnv(sio.Getenv)
	cfg.DatabaseFlags(fs)
	if err := parse(fs, args); err != nil {
		return cfg, err
	}
	if err := cfg.Finalize(); err != nil {
		return cfg, usageError{"configuration: " + strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	return cfg, nil
}
