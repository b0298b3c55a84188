package cli

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"switchboard/internal/chat"
	"switchboard/internal/config"
	"switchboard/internal/demo"
	"switchboard/internal/desk"
	"switchboard/internal/mailin/imapfetch"
	"switchboard/internal/mailin/smtpd"
	"switchboard/internal/server"
)

func runServe(ctx context.Context, sio IO, args []string) error {
	fs := newFlagSet("serve", sio.Stderr)
	cfg := config.FromEnv(sio.Getenv)
	cfg.ServeFlags(fs)
	withDemo := fs.Bool("demo", false, "load sample data (if the database has no tickets yet) and print a login")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Finalize(); err != nil {
		return usageError{"configuration: " + strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	log := newLogger(cfg, sio.Stderr)
	start := time.Now()

	st, err := openStore(ctx, cfg, true, log.With("component", "store"))
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("closing database", "err", err)
		}
	}()
	// On PostgreSQL the broker shares live events with the other
	// instances and `mail ingest` runs on the same database.
	br, closeBroker, err := server.OpenBroker(ctx, st, server.BrokerOptions{Logger: log})
	if err != nil {
		return err
	}
	defer func() {
		if err := closeBroker(); err != nil {
			log.Error("closing realtime broker", "err", err)
		}
	}()
	svc := server.NewServicesWith(st, br, nil, server.ServiceOptions{Logger: log})
	log.Info("database ready", "engine", st.Engine(), "database", cfg.DatabaseLabel(), "took", time.Since(start).Round(time.Millisecond))

	var login *demo.Login
	if *withDemo {
		if login, err = loadDemo(ctx, sio, svc, cfg.BaseURL); err != nil {
			return err
		}
	}

	srv, err := server.Build(ctx, svc, cfg.BaseURL, log)
	if err != nil {
		return err
	}
	var smtpLn net.Listener
	if cfg.SMTPAddr != "" {
		if smtpLn, err = net.Listen("tcp", cfg.SMTPAddr); err != nil {
			return fmt.Errorf("listen for SMTP on %s: %w", cfg.SMTPAddr, err)
		}
		defer smtpLn.Close()
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	url := cfg.BaseURL
	if _, port, _ := net.SplitHostPort(cfg.HTTPAddr); port == "0" && sio.Getenv(config.EnvBaseURL) == "" {
		url = config.BaseURLFor(ln.Addr().String()) // an ephemeral port: say which one
	}
	log.Info("listening", "addr", ln.Addr().String(), "base_url", url, "startup", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(sio.Stdout, "Switchboard is running at %s\n", url)
	if login != nil {
		fmt.Fprintf(sio.Stdout, "Sign in with email %s and password %s\n", login.Email, login.Password)
	}
	// The HTTP server, the SMTP listener, the IMAP fetchers, the outbound
	// mail worker and the chat hub and sweeper live and die together: a
	// failure of one stops them all.
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Serve(gctx, ln) })
	g.Go(func() error { return svc.Mailer.Run(gctx) })
	g.Go(func() error { return svc.ChatHub.Run(gctx) })
	// Chats nobody answers, or whose visitor left, end by themselves.
	g.Go(func() error { return svc.Chat.RunSweeper(gctx, chat.SweepInterval) })
	imap := imapfetch.NewManager(st, svc.Ingest, log.With("component", "imap"), imapfetch.Options{Clock: svc.Clock})
	g.Go(func() error { return imap.Run(gctx) })
	if smtpLn != nil {
		domain := smtpDomain(cfg.BaseURL)
		tlsCfg, err := smtpd.SelfSigned(domain, time.Now())
		if err != nil {
			return err
		}
		mx := smtpd.New(svc.Ingest, svc.Ingest, smtpd.Options{Domain: domain, TLSConfig: tlsCfg, Clock: svc.Clock, Logger: log.With("component", "smtpd")})
		log.Info("smtp listening", "addr", smtpLn.Addr().String(), "domain", domain, "starttls", "self-signed")
		g.Go(func() error { return mx.Serve(gctx, smtpLn) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// smtpDomain is the host name the SMTP listener greets with: the host of
// the public URL, or the machine's name when that is an IP address or
// localhost.
func smtpDomain(baseURL string) string {
	if u, err := url.Parse(baseURL); err == nil {
		if h := u.Hostname(); h != "" && h != "localhost" && net.ParseIP(h) == nil {
			return h
		}
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "switchboard"
}

// loadDemo loads the sample data unless the database already has tickets,
// and returns the demo login when the demo admin exists.
func loadDemo(ctx context.Context, sio IO, svc *server.Services, baseURL string) (*demo.Login, error) {
	page, err := svc.Tickets.List(ctx, desk.System, desk.TicketFilter{Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("demo: check for existing tickets: %w", err)
	}
	if len(page.Items) == 0 {
		t0 := time.Now()
		res, err := demo.LoadWith(ctx, svc.Store, time.Now().UTC(), demo.Options{BaseURL: baseURL})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(sio.Stdout, "Loaded demo data: %d agents, %d teams, %d contacts, %d tickets, %d messages in %s.\n",
			res.Agents, res.Teams, res.Contacts, res.Tickets, res.Messages, time.Since(t0).Round(time.Millisecond))
	} else {
		fmt.Fprintln(sio.Stdout, "The database already has tickets; demo data not loaded.")
	}
	if _, err := svc.Team.AgentByEmail(ctx, desk.System, demo.AdminEmail); err != nil {
		if desk.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &demo.Login{Email: demo.AdminEmail, Password: demo.Password}, nil
}
