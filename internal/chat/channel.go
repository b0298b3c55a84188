package chat

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// Languages are the widget's languages (those of DESIGN.md).
var Languages = []string{"en", "hr", "lt", "el", "sl"}

// Limits on channel settings and visitor input.
const (
	MaxUploadLimit   = 25 << 20 // the largest per-file limit an admin may set
	DefaultMaxUpload = 10 << 20
	MaxMessageLength = 4000 // characters in one chat message
	MaxGreeting      = 500
	MaxInvitations   = 50
	// DefaultQueueTimeout is how long a new chat rings before it ends as
	// missed, and DefaultEndAfterLeft how long after its visitor left an
	// ongoing chat ends, unless the channel says otherwise.
	DefaultQueueTimeout = 3 * time.Minute
	DefaultEndAfterLeft = 10 * time.Minute
	// MaxIdleSetting bounds both (0 turns them off).
	MaxIdleSetting = 24 * time.Hour
)

// ChannelInput is what an admin sets on a chat channel.
type ChannelInput struct {
	Name      string
	TeamID    *int64
	MailboxID *int64
	Origins   []string
	Color     string
	Greeting  string
	Position  string
	Languages []string
	Prechat   desk.Prechat
	MaxUpload int64
	// QueueTimeout and EndAfterLeft: nil takes the defaults, 0 is never
	// (see desk.ChatChannel).
	QueueTimeout *time.Duration
	EndAfterLeft *time.Duration
	Active       bool
}

var colorRe = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NormalizeOrigin returns the origin (scheme://host[:port]) of an allowed
// origin as an admin typed it, which may be a whole URL; "*." before the
// host allows its subdomains.
func NormalizeOrigin(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	wild := false
	if i := strings.Index(s, "://*."); i > 0 {
		wild = true
		s = s[:i+3] + s[i+5:]
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Host), ":")
	// Browsers leave the default port out of Origin.
	if p := u.Port(); (u.Scheme == "https" && p == "443") || (u.Scheme == "http" && p == "80") {
		host = strings.TrimSuffix(host, ":"+p)
	}
	if wild {
		host = "*." + host
	}
	return u.Scheme + "://" + host, true
}

// OriginAllowed reports whether a page at origin (the browser's Origin
// header) may use the channel's widget.
func OriginAllowed(ch desk.ChatChannel, origin string) bool {
	origin = strings.ToLower(strings.TrimSpace(origin))
	if origin == "" || origin == "null" {
		return false
	}
	for _, o := range ch.Origins {
		o = strings.ToLower(o)
		if o == origin {
			return true
		}
		if i := strings.Index(o, "://*."); i > 0 {
			scheme, suffix := o[:i+3], o[i+4:] // suffix starts with "."
			if strings.HasPrefix(origin, scheme) && strings.HasSuffix(origin, suffix) &&
				len(origin) > len(scheme)+len(suffix) {
				return true
			}
		}
	}
	return false
}

func (s *Service) checkChannel(ctx context.Context, tx *store.Tx, in *ChannelInput) (desk.ChatChannel, error) {
	fields := map[string]string{}
	c := desk.ChatChannel{Name: strings.TrimSpace(in.Name), Color: strings.TrimSpace(in.Color),
		Greeting: strings.TrimSpace(in.Greeting), Position: in.Position, MaxUpload: in.MaxUpload,
		Prechat: in.Prechat, Active: in.Active, MailboxID: in.MailboxID}
	if c.Name == "" {
		fields["name"] = "required"
	} else if utf8.RuneCountInString(c.Name) > 100 {
		fields["name"] = "at most 100 characters"
	}
	for _, o := range in.Origins {
		if strings.TrimSpace(o) == "" {
			continue
		}
		n, ok := NormalizeOrigin(o)
		if !ok {
			fields["origins"] = fmt.Sprintf("%q is not a web origin such as https://www.example.com", desk.Clip(o, 100))
			continue
		}
		if !slices.Contains(c.Origins, n) {
			c.Origins = append(c.Origins, n)
		}
	}
	if c.Color == "" {
		c.Color = "#2563eb"
	} else if !colorRe.MatchString(c.Color) {
		fields["color"] = "a colour such as #2563eb"
	}
	c.Color = strings.ToLower(c.Color)
	if utf8.RuneCountInString(c.Greeting) > MaxGreeting {
		fields["greeting"] = fmt.Sprintf("at most %d characters", MaxGreeting)
	}
	switch c.Position {
	case "":
		c.Position = "right"
	case "right", "left":
	default:
		fields["position"] = "right or left"
	}
	for _, l := range in.Languages {
		l = strings.ToLower(strings.TrimSpace(l))
		if l == "" {
			continue
		}
		if !slices.Contains(Languages, l) {
			fields["languages"] = "one or more of " + strings.Join(Languages, ", ")
		} else if !slices.Contains(c.Languages, l) {
			c.Languages = append(c.Languages, l)
		}
	}
	if c.Prechat.Name == "" {
		c.Prechat.Name = desk.FieldOptional
	}
	if c.Prechat.Email == "" {
		c.Prechat.Email = desk.FieldOptional
	}
	if !c.Prechat.Name.Valid() {
		fields["prechat_name"] = "required, optional or off"
	}
	if !c.Prechat.Email.Valid() {
		fields["prechat_email"] = "required, optional or off"
	}
	if c.MaxUpload == 0 {
		c.MaxUpload = DefaultMaxUpload
	} else if c.MaxUpload < 0 || c.MaxUpload > MaxUploadLimit {
		fields["max_upload"] = "from 1 byte to 25 MiB"
	}
	c.QueueTimeout = idleSetting(in.QueueTimeout, DefaultQueueTimeout, "queue_timeout", fields)
	c.EndAfterLeft = idleSetting(in.EndAfterLeft, DefaultEndAfterLeft, "end_after_left", fields)
	if len(fields) > 0 {
		return c, &desk.Error{Code: desk.EInvalid, Message: "Please correct the highlighted fields.", Fields: fields}
	}
	if in.TeamID != nil {
		ref, err := tx.TeamRef(ctx, *in.TeamID)
		if desk.IsNotFound(err) {
			return c, &desk.Error{Code: desk.EInvalid, Message: "Please correct the highlighted fields.", Fields: map[string]string{"team": "no such team"}}
		}
		if err != nil {
			return c, err
		}
		c.Team = &ref
	}
	if in.MailboxID != nil {
		if _, err := tx.Mailbox(ctx, *in.MailboxID); desk.IsNotFound(err) {
			return c, &desk.Error{Code: desk.EInvalid, Message: "Please correct the highlighted fields.", Fields: map[string]string{"mailbox": "no such mailbox"}}
		} else if err != nil {
			return c, err
		}
	}
	return c, nil
}

// idleSetting checks a queue timeout or an end-after-left setting: nil
// takes def; whole seconds from 0 (never) to MaxIdleSetting.
func idleSetting(d *time.Duration, def time.Duration, field string, fields map[string]string) time.Duration {
	if d == nil {
		return def
	}
	if *d < 0 || *d > MaxIdleSetting {
		fields[field] = "from 0 (never) to 24 hours"
		return 0
	}
	if *d > 0 && *d < time.Second {
		return time.Second // not 0, which is never
	}
	return d.Truncate(time.Second)
}

// CreateChannel adds a chat channel (admins only), with a new public key
// and new secrets.
func (s *Service) CreateChannel(ctx context.Context, a desk.Actor, in ChannelInput) (desk.ChatChannel, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.ChatChannel{}, err
	}
	var c desk.ChatChannel
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = s.checkChannel(ctx, tx, &in); err != nil {
			return err
		}
		now := s.now()
		c.PublicKey, c.TokenSecret, c.IdentitySecret = randomToken(12), randomToken(32), randomToken(32)
		c.CreatedAt, c.UpdatedAt = now, now
		return tx.InsertChatChannel(ctx, &c)
	})
	return c, err
}

// UpdateChannel changes a channel's settings (admins only).
func (s *Service) UpdateChannel(ctx context.Context, a desk.Actor, id int64, in ChannelInput) (desk.ChatChannel, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.ChatChannel{}, err
	}
	var c desk.ChatChannel
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		old, err := tx.ChatChannel(ctx, id)
		if err != nil {
			return err
		}
		if c, err = s.checkChannel(ctx, tx, &in); err != nil {
			return err
		}
		c.ID, c.PublicKey, c.TokenSecret, c.IdentitySecret, c.CreatedAt = old.ID, old.PublicKey, old.TokenSecret, old.IdentitySecret, old.CreatedAt
		c.UpdatedAt = s.now()
		return tx.UpdateChatChannel(ctx, c)
	})
	if err == nil {
		s.forget(c.PublicKey)
	}
	return c, err
}

// RotateIdentitySecret gives a channel a new identity secret (admins
// only), for when the old one leaked; the site must sign with the new one.
func (s *Service) RotateIdentitySecret(ctx context.Context, a desk.Actor, id int64) (desk.ChatChannel, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.ChatChannel{}, err
	}
	var c desk.ChatChannel
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.ChatChannel(ctx, id); err != nil {
			return err
		}
		c.IdentitySecret, c.UpdatedAt = randomToken(32), s.now()
		return tx.UpdateChatChannel(ctx, c)
	})
	if err == nil {
		s.forget(c.PublicKey)
	}
	return c, err
}

// DeleteChannel removes a channel (admins only); its chats' tickets stay.
func (s *Service) DeleteChannel(ctx context.Context, a desk.Actor, id int64) error {
	if err := a.RequireAdmin(); err != nil {
		return err
	}
	var key string
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		c, err := tx.ChatChannel(ctx, id)
		if err != nil {
			return err
		}
		key = c.PublicKey
		return tx.DeleteChatChannel(ctx, id)
	})
	if err == nil {
		s.forget(key)
	}
	return err
}

// Channel returns one channel with its secrets (admins only).
func (s *Service) Channel(ctx context.Context, a desk.Actor, id int64) (desk.ChatChannel, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.ChatChannel{}, err
	}
	return s.st.Read().ChatChannel(ctx, id)
}

// Channels lists every channel (any agent: transfers and filters name
// them; the secrets are not in the JSON form).
func (s *Service) Channels(ctx context.Context, a desk.Actor) ([]desk.ChatChannel, error) {
	if err := a.RequireAgent(); err != nil {
		return nil, err
	}
	return s.st.Read().ChatChannels(ctx)
}

// EmbedSnippet is the <script> tag a site pastes to show the channel's
// widget; baseURL is Switchboard's public URL.
func EmbedSnippet(baseURL string, c desk.ChatChannel) string {
	base := strings.TrimRight(baseURL, "/")
	return fmt.Sprintf(`<script src="%s/chat/widget.js" data-channel="%s" async></script>`,
		html.EscapeString(base), html.EscapeString(c.PublicKey))
}

// Invitations ---------------------------------------------------------------

// InvitationInput is an invitation rule as an admin sets it.
type InvitationInput struct {
	Name       string
	URLPattern string
	MinSeconds int
	MinVisits  int
	Greeting   string
	Active     bool
	Position   int
}

func checkInvitation(in InvitationInput) (desk.ChatInvitation, error) {
	v := desk.ChatInvitation{Name: strings.TrimSpace(in.Name), URLPattern: strings.TrimSpace(in.URLPattern),
		MinSeconds: in.MinSeconds, MinVisits: in.MinVisits, Greeting: strings.TrimSpace(in.Greeting),
		Active: in.Active, Position: in.Position}
	fields := map[string]string{}
	if v.Name == "" {
		fields["name"] = "required"
	} else if utf8.RuneCountInString(v.Name) > 100 {
		fields["name"] = "at most 100 characters"
	}
	if v.URLPattern == "" {
		v.URLPattern = "*"
	}
	if len(v.URLPattern) > 500 {
		fields["url_pattern"] = "at most 500 characters"
	}
	if v.MinSeconds < 0 || v.MinSeconds > 24*3600 {
		fields["min_seconds"] = "between 0 and 86400"
	}
	if v.MinVisits < 0 || v.MinVisits > 1000 {
		fields["min_visits"] = "between 0 and 1000"
	}
	if v.Greeting == "" {
		fields["greeting"] = "required"
	} else if utf8.RuneCountInString(v.Greeting) > MaxGreeting {
		fields["greeting"] = fmt.Sprintf("at most %d characters", MaxGreeting)
	}
	if len(fields) > 0 {
		return v, &desk.Error{Code: desk.EInvalid, Message: "Please correct the highlighted fields.", Fields: fields}
	}
	return v, nil
}

// MatchURL reports whether a page URL matches an invitation's pattern, a
// glob where * matches any run of characters (slashes included).
func MatchURL(pattern, u string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	// Translate the glob to a regexp: only * is special.
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	re, err := regexp.Compile("^" + strings.Join(parts, ".*") + "$")
	return err == nil && re.MatchString(u)
}

// CreateInvitation adds an invitation rule to a channel (admins only).
func (s *Service) CreateInvitation(ctx context.Context, a desk.Actor, channelID int64, in InvitationInput) (desk.ChatInvitation, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.ChatInvitation{}, err
	}
	v, err := checkInvitation(in)
	if err != nil {
		return v, err
	}
	var key string
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		c, err := tx.ChatChannel(ctx, channelID)
		if err != nil {
			return err
		}
		key = c.PublicKey
		all, err := tx.ChatInvitations(ctx, channelID)
		if err != nil {
			return err
		}
		if len(all) >= MaxInvitations {
			return desk.Errorf(desk.EInvalid, "A channel has at most %d invitation rules.", MaxInvitations)
		}
		v.ChannelID, v.CreatedAt = channelID, s.now()
		return tx.InsertChatInvitation(ctx, &v)
	})
	if err == nil {
		s.forget(key)
	}
	return v, err
}

// UpdateInvitation changes an invitation rule (admins only).
func (s *Service) UpdateInvitation(ctx context.Context, a desk.Actor, channelID, id int64, in InvitationInput) (desk.ChatInvitation, error) {
	if err := a.RequireAdmin(); err != nil {
		return desk.ChatInvitation{}, err
	}
	v, err := checkInvitation(in)
	if err != nil {
		return v, err
	}
	v.ID, v.ChannelID = id, channelID
	var key string
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		c, err := tx.ChatChannel(ctx, channelID)
		if err != nil {
			return err
		}
		key = c.PublicKey
		return tx.UpdateChatInvitation(ctx, v)
	})
	if err == nil {
		s.forget(key)
	}
	return v, err
}

// DeleteInvitation removes an invitation rule (admins only).
func (s *Service) DeleteInvitation(ctx context.Context, a desk.Actor, channelID, id int64) error {
	if err := a.RequireAdmin(); err != nil {
		return err
	}
	var key string
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		c, err := tx.ChatChannel(ctx, channelID)
		if err != nil {
			return err
		}
		key = c.PublicKey
		return tx.DeleteChatInvitation(ctx, channelID, id)
	})
	if err == nil {
		s.forget(key)
	}
	return err
}

// Invitations lists a channel's invitation rules (admins only).
func (s *Service) Invitations(ctx context.Context, a desk.Actor, channelID int64) ([]desk.ChatInvitation, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.st.Read().ChatInvitations(ctx, channelID)
}
