package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"switchboard/internal/config"
	"switchboard/internal/desk"
	"switchboard/internal/mailin"
	"switchboard/internal/server"
)

// Exit codes of `mail ingest`, from sysexits.h, so that an MTA delivering
// through a pipe bounces only what is refused for good and retries the
// rest.
const (
	ExitDataErr  = 65 // EX_DATAERR: the message is refused for good (too large, unusable)
	ExitNoInput  = 66 // EX_NOINPUT: FILE cannot be opened
	ExitNoUser   = 67 // EX_NOUSER: no active mailbox has that address
	ExitTempFail = 75 // EX_TEMPFAIL: a temporary failure (database down...); try again later
)

// exitError is a failure with its own exit code.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// ingestSummary is the help text of `mail ingest`.
const ingestSummary = `mail ingest --to ADDRESS [FILE]
      deliver one message (stdin without FILE) to that mailbox, as an MTA pipe would;
      prints "ticket N (new)", "ticket N (reply)" or "duplicate of ticket N"; exit 0 stored
      (or already stored), 67 no such mailbox, 65 refused for good (too large, unusable),
      75 temporary failure (database down...): the MTA should retry`

// runMailIngest implements `switchboard mail ingest --to ADDRESS [FILE]`.
func runMailIngest(ctx context.Context, sio IO, args []string) error {
	fs := newFlagSet("mail ingest", sio.Stderr)
	to := fs.String("to", "", "the mailbox address the message was sent to (required)")
	cfg := config.FromEnv(sio.Getenv)
	cfg.DatabaseFlags(fs)
	file, err := parseWithFile(fs, args)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*to) == "" {
		return usagef("--to is required")
	}
	if err := cfg.Finalize(); err != nil {
		return usageError{"configuration: " + strings.ReplaceAll(err.Error(), "\n", "; ")}
	}

	raw, err := readMessage(sio.Stdin, file)
	if err != nil {
		return err
	}

	st, err := openStore(ctx, cfg, true, nil)
	if err != nil {
		return exitError{ExitTempFail, err.Error()}
	}
	defer st.Close()
	// The services' Ingester queues acknowledgements through the Mailer;
	// serve's outbound worker sends them.
	// Publish-only: a ticket taken in here shows up live in the running
	// servers on PostgreSQL; closing sends what is queued before exiting.
	log := newLogger(cfg, sio.Stderr)
	br, closeBroker, err := server.OpenBroker(ctx, st, server.BrokerOptions{PublishOnly: true, Logger: log})
	if err != nil {
		return exitError{ExitTempFail, err.Error()}
	}
	defer closeBroker()
	svc := server.NewServicesWith(st, br, nil, server.ServiceOptions{Logger: log})
	res, err := svc.Ingest.DeliverTo(ctx, *to, raw, mailin.SourcePipe)
	switch desk.ErrorCode(err) {
	case "":
	case desk.ENotFound:
		return exitError{ExitNoUser, errMessage(err)}
	case desk.EInvalid:
		return exitError{ExitDataErr, errMessage(err)}
	default:
		return exitError{ExitTempFail, err.Error()}
	}
	number := res.Number
	if number == 0 && res.TicketID != 0 {
		if t, err := st.Read().Ticket(ctx, res.TicketID); err == nil {
			number = t.Number
		}
	}
	fmt.Fprintln(sio.Stdout, ingestLine(res, number))
	return nil
}

// ingestLine is the one line `mail ingest` prints for a stored message.
func ingestLine(res mailin.Result, number int64) string {
	switch {
	case res.Duplicate && number != 0:
		return fmt.Sprintf("duplicate of ticket %d", number)
	case res.Duplicate:
		return "duplicate"
	case number == 0:
		return strings.ReplaceAll(res.Outcome, "_", " ") // ignored, own...
	case res.Outcome == mailin.OutcomeTicket:
		return fmt.Sprintf("ticket %d (new)", number)
	}
	return fmt.Sprintf("ticket %d (%s)", number, strings.ReplaceAll(res.Outcome, "_", " "))
}

// readMessage reads the message from FILE (or stdin for "" and "-"),
// bounded: more than mailin.MaxMessageSize bytes is refused for good.
func readMessage(stdin io.Reader, file string) ([]byte, error) {
	r := stdin
	if file != "" && file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, exitError{ExitNoInput, fmt.Sprintf("open message: %v", err)}
		}
		defer f.Close()
		r = f
	}
	if r == nil {
		r = strings.NewReader("")
	}
	raw, err := io.ReadAll(io.LimitReader(r, mailin.MaxMessageSize+1))
	if err != nil {
		return nil, exitError{ExitTempFail, fmt.Sprintf("read message: %v", err)}
	}
	if len(raw) > mailin.MaxMessageSize {
		return nil, exitError{ExitDataErr, fmt.Sprintf("the message is larger than %d MiB", mailin.MaxMessageSize>>20)}
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil, exitError{ExitDataErr, "the message is empty"}
	}
	return raw, nil
}

// parseWithFile parses flags around at most one positional FILE (flags may
// come before or after it).
func parseWithFile(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", flagError(err)
	}
	file := ""
	if fs.NArg() > 0 {
		file = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return "", flagError(err)
		}
		if fs.NArg() > 0 {
			return "", usagef("takes at most one FILE (or - for stdin), not also %q", fs.Arg(0))
		}
	}
	return file, nil
}

func errMessage(err error) string {
	var de *desk.Error
	if errors.As(err, &de) {
		return de.Message
	}
	return err.Error()
}
