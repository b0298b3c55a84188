package server

import (
	"context"
	"fmt"
	"log/slog"

	"switchboard/internal/api"
	"switchboard/internal/auth"
	"switchboard/internal/canned"
	"switchboard/internal/chat"
	"switchboard/internal/contact"
	"switchboard/internal/desk"
	"switchboard/internal/i18n"
	"switchboard/internal/mailbox"
	"switchboard/internal/mailin"
	"switchboard/internal/mailout"
	"switchboard/internal/realtime"
	"switchboard/internal/store"
	"switchboard/internal/team"
	"switchboard/internal/ticket"
	"switchboard/internal/web"
	"switchboard/internal/widget"
)

// Services are the application services of one process, built over one
// store, one broker and one clock.
type Services struct {
	Store    *store.Store
	Broker   Broker
	Clock    desk.Clock
	Tickets  *ticket.Service
	Contacts *contact.Service
	Team     *team.Service
	Auth     *auth.Service
	// Mailboxes manages the support addresses.
	Mailboxes *mailbox.Service
	// Canned holds the canned responses agents insert into replies.
	Canned *canned.Service
	// Mailer queues agents' replies and acknowledgements as email and
	// delivers the queue (its Run belongs in serve).
	Mailer *mailout.Mailer
	// Ingest turns inbound email into tickets (the SMTP listener, IMAP
	// fetchers and `mail ingest` deliver through it).
	Ingest *mailin.Ingester
	// Chat is live chat; it is also the tickets' outbox, sending replies
	// on open chats to the visitor and the rest on to the Mailer.
	Chat *chat.Service
	// ChatHub carries chat events to the widgets connected to this
	// process (its Run belongs in serve).
	ChatHub *chat.Hub
}

// ServiceOptions tune NewServicesWith.
type ServiceOptions struct {
	// Logger receives the mail services' logs; nil discards them.
	Logger *slog.Logger
}

// NewServices builds every service over st. A nil broker gets an
// in-process one (see OpenBroker for one shared between processes); a nil
// clock is the system clock.
func NewServices(st *store.Store, br Broker, clk desk.Clock) *Services {
	return NewServicesWith(st, br, clk, ServiceOptions{})
}

// NewServicesWith is NewServices with options for the mail services.
func NewServicesWith(st *store.Store, br Broker, clk desk.Clock, o ServiceOptions) *Services {
	if br == nil {
		br = realtime.NewLocal(0)
	}
	if clk == nil {
		clk = desk.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	tickets := ticket.New(st, br, clk)
	mailer := mailout.New(st, clk, mailout.Options{Logger: o.Logger.With("component", "mailout"), Publisher: tickets})
	tickets.SetOutbox(mailer)
	chats := chat.New(st, tickets, br, clk, chat.Options{Next: mailer, Transcripts: mailer, Logger: o.Logger.With("component", "chat")})
	return &Services{
		Chat:      chats,
		ChatHub:   chat.NewHub(chats),
		Store:     st,
		Broker:    br,
		Clock:     clk,
		Tickets:   tickets,
		Contacts:  contact.New(st, clk),
		Team:      team.New(st, clk),
		Auth:      auth.New(st, clk, auth.Options{}),
		Mailboxes: mailbox.New(st, clk),
		Canned:    canned.New(st, clk),
		Mailer:    mailer,
		Ingest:    mailin.New(st, tickets, clk, mailin.Options{Acker: mailer, Logger: o.Logger.With("component", "mailin")}),
	}
}

// Build returns the whole Server over svc: the REST API, the agent app and
// the operational endpoints. ctx is the serve context: when it is done the
// agent app ends its event streams and presence listener.
func Build(ctx context.Context, svc *Services, baseURL string, logger *slog.Logger) (*Server, error) {
	apiH := api.New(api.Config{
		Tickets: svc.Tickets, Contacts: svc.Contacts, Team: svc.Team, Auth: svc.Auth,
		Mailboxes: svc.Mailboxes, Chat: svc.Chat, Broker: svc.Broker, Logger: logger, BaseURL: baseURL,
		Canned: svc.Canned,
	})
	webH, err := web.New(web.Config{
		Tickets: svc.Tickets, Contacts: svc.Contacts, Team: svc.Team, Auth: svc.Auth,
		Mailboxes: svc.Mailboxes, Broker: svc.Broker, Clock: svc.Clock, Logger: logger, BaseURL: baseURL,
		Context: ctx, Mail: svc.Mailer, Chat: svc.Chat, Canned: svc.Canned,
	})
	if err != nil {
		return nil, fmt.Errorf("server: build web app: %w", err)
	}
	cat, err := i18n.Load()
	if err != nil {
		return nil, fmt.Errorf("server: load translations: %w", err)
	}
	wlog := logger
	if wlog != nil {
		wlog = wlog.With("component", "widget")
	}
	widgetH := widget.New(widget.Config{Chat: svc.Chat, Hub: svc.ChatHub, Catalogue: cat, BaseURL: baseURL,
		Logger: wlog, Context: ctx})
	return New(Options{
		Logger: logger, DB: svc.Store, Subscribers: svc.Broker,
		API: apiH, Web: webH, Widget: widgetH,
	}), nil
}
