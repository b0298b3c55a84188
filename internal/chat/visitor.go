package chat

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/desk"
	"switchboard/internal/store"
)

// channelByKey returns an active channel and its invitation rules by
// public key, cached for channelTTL.
func (s *Service) channelByKey(ctx context.Context, key string) (desk.ChatChannel, []desk.ChatInvitation, error) {
	now := time.Now()
	s.mu.Lock()
	cc, ok := s.channels[key]
	s.mu.Unlock()
	if ok && now.Sub(cc.at) < channelTTL {
		return cc.ch, cc.inv, nil
	}
	if key == "" || len(key) > 64 {
		return desk.ChatChannel{}, nil, desk.Errorf(desk.ENotFound, "No such chat channel.")
	}
	tx := s.st.Read()
	ch, err := tx.ChatChannelByKey(ctx, key)
	if err != nil {
		return ch, nil, err
	}
	if !ch.Active {
		return ch, nil, desk.Errorf(desk.ENotFound, "This chat is switched off.")
	}
	inv, err := tx.ChatInvitations(ctx, ch.ID)
	if err != nil {
		return ch, nil, err
	}
	s.mu.Lock()
	if len(s.channels) > 10000 {
		clear(s.channels)
	}
	s.channels[key] = cachedChannel{ch: ch, inv: inv, at: now}
	s.mu.Unlock()
	return ch, inv, nil
}

// PublicChannel returns an active channel by its public key, for the
// widget's routes (which check the page's origin against it).
func (s *Service) PublicChannel(ctx context.Context, key string) (desk.ChatChannel, error) {
	ch, _, err := s.channelByKey(ctx, key)
	return ch, err
}

// Authenticate checks a visitor token for the channel with this key.
func (s *Service) Authenticate(ctx context.Context, key, token string) (desk.ChatChannel, Visitor, error) {
	ch, _, err := s.channelByKey(ctx, key)
	if err != nil {
		return ch, Visitor{}, err
	}
	vid, ok := verifyToken(ch, token, s.clk.Now())
	if !ok {
		return ch, Visitor{}, desk.Errorf(desk.EUnauthorized, "The chat session is not valid; reload the page.")
	}
	return ch, Visitor{ChannelID: ch.ID, VisitorID: vid}, nil
}

// Hello is what the widget sends when a page with it loads.
type Hello struct {
	Token     string    // the visitor's token from an earlier page, if any
	Identity  *Identity // a logged-in user the site signed, if any
	URL       string
	Title     string
	Referrer  string
	Language  string
	TimeZone  string
	UserAgent string
}

// Welcome is the answer to a Hello: the visitor's (new) token and what the
// widget needs to show.
type Welcome struct {
	Token       string
	Visitor     desk.ChatVisitor
	Channel     desk.ChatChannel
	Invitations []desk.ChatInvitation
	// Chat is the visitor's latest chat (nil for none): the widget shows
	// an open one, and an ended one so the visitor can still rate it.
	Chat *desk.Chat
	// Online says an agent is available now (else the offline form).
	Online bool
}

func clean(s string, n int) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}

// Connect handles a page load with the widget on a site of the channel
// key: it recognises the visitor by token (or by signed identity), or
// makes a new one; counts the page view and, after a quiet spell, the
// visit; and returns a fresh token.
func (s *Service) Connect(ctx context.Context, key string, h Hello) (Welcome, error) {
	ch, inv, err := s.channelByKey(ctx, key)
	if err != nil {
		return Welcome{}, err
	}
	now := s.now()
	h.URL, h.Title, h.Referrer = clean(h.URL, 2000), clean(h.Title, 300), clean(h.Referrer, 2000)
	h.Language, h.TimeZone, h.UserAgent = clean(h.Language, 35), clean(h.TimeZone, 64), clean(h.UserAgent, 400)
	var id *Identity
	if h.Identity != nil && h.Identity.verify(ch.IdentitySecret) {
		id = h.Identity
		id.Email, id.Name = strings.ToLower(clean(id.Email, 254)), clean(id.Name, 200)
		if _, ok := normalizeEmail(id.Email); !ok {
			id.Email = ""
		}
	}
	var w Welcome
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		var v desk.ChatVisitor
		found := false
		if vid, ok := verifyToken(ch, h.Token, now); ok {
			v, err = tx.ChatVisitor(ctx, vid)
			if err != nil && !desk.IsNotFound(err) {
				return err
			}
			found = err == nil && v.ChannelID == ch.ID
			// A signed-in user who is not the token's visitor is someone
			// else on a shared browser: they get their own visitor.
			if found && id != nil && id.ID != "" && v.ExternalID != "" && v.ExternalID != id.ID {
				found = false
			}
		}
		if !found && id != nil && id.ID != "" {
			v, err = tx.ChatVisitorByExternal(ctx, ch.ID, id.ID)
			if err != nil && !desk.IsNotFound(err) {
				return err
			}
			found = err == nil
		}
		if !found {
			v = desk.ChatVisitor{ChannelID: ch.ID, Visits: 1, FirstSeenAt: now, VisitAt: now, LastSeenAt: now,
				Referrer: h.Referrer}
		} else if now.Sub(v.LastSeenAt) > s.o.VisitGap {
			v.Visits++
			v.VisitAt, v.Referrer = now, h.Referrer
		}
		v.LastSeenAt = now
		if h.URL != "" {
			v.CurrentURL, v.CurrentTitle = h.URL, h.Title
			v.PageViews++
		}
		if h.Language != "" {
			v.Language = h.Language
		}
		if h.TimeZone != "" {
			v.TimeZone = h.TimeZone
		}
		if h.UserAgent != "" {
			v.UserAgent = h.UserAgent
		}
		if id != nil {
			v.ExternalID = id.ID
			if id.Name != "" {
				v.Name = id.Name
			}
			if id.Email != "" && v.Email != id.Email {
				v.Email = id.Email
				ref, _, err := tx.FindOrCreateRequester(ctx, id.Email, v.Name, now)
				if err != nil {
					return err
				}
				v.Contact = &ref
			}
			// Signed now: the email, if the signature carried one (else
			// the one the visitor has, unless they typed it).
			v.Verified = id.Email != "" || v.Email == "" || v.Verified
		}
		if found {
			err = tx.SaveChatVisitor(ctx, v)
		} else {
			err = tx.InsertChatVisitor(ctx, &v)
		}
		if err != nil {
			return err
		}
		if h.URL != "" {
			if err := tx.InsertPageView(ctx, v.ID, desk.PageView{URL: h.URL, Title: h.Title, At: now}); err != nil {
				return err
			}
		}
		if c, err := tx.LatestChat(ctx, v.ID); err == nil {
			w.Chat = &c
		} else if !desk.IsNotFound(err) {
			return err
		}
		w.Visitor = v
		return nil
	})
	if err != nil {
		return Welcome{}, err
	}
	w.Token = signToken(ch, w.Visitor.ID, now)
	w.Channel, w.Invitations = ch, activeInvitations(inv)
	w.Online, err = s.available(ctx, ch)
	if err != nil {
		return Welcome{}, err
	}
	s.publish(ctx, EventVisitor, 0, 0, VisitorData{VisitorID: w.Visitor.ID, ChannelID: ch.ID, URL: w.Visitor.CurrentURL})
	return w, nil
}

func activeInvitations(all []desk.ChatInvitation) []desk.ChatInvitation {
	out := []desk.ChatInvitation{}
	for _, v := range all {
		if v.Active {
			out = append(out, v)
		}
	}
	return out
}

// Online reports whether an agent is available for the channel now.
func (s *Service) Online(ctx context.Context, key string) (bool, error) {
	ch, _, err := s.channelByKey(ctx, key)
	if err != nil {
		return false, err
	}
	return s.available(ctx, ch)
}

// available reports whether an agent of the channel's team (any agent
// for a channel without a team) is online and connected; cached briefly.
func (s *Service) available(ctx context.Context, ch desk.ChatChannel) (bool, error) {
	var team int64
	var teamID *int64
	if ch.Team != nil {
		team, teamID = ch.Team.ID, &ch.Team.ID
	}
	now := time.Now()
	s.mu.Lock()
	c, ok := s.avail[team]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < availTTL {
		return c.ok, nil
	}
	agents, _, err := s.st.Read().AvailableChatAgents(ctx, teamID, s.now().Add(-s.o.AgentTimeout))
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	s.avail[team] = cachedAvail{ok: len(agents) > 0, at: now}
	s.mu.Unlock()
	return len(agents) > 0, nil
}

// forgetAvailability drops the cached availability after a status change.
func (s *Service) forgetAvailability() {
	s.mu.Lock()
	clear(s.avail)
	s.mu.Unlock()
}

// TouchVisitors records that these visitors' widgets are still connected
// (the Hub calls it periodically for its connections).
func (s *Service) TouchVisitors(ctx context.Context, ids []int64) error {
	now := s.now()
	for len(ids) > 0 {
		n := min(len(ids), 500)
		batch := ids[:n]
		ids = ids[n:]
		if err := s.st.Write(ctx, func(tx *store.Tx) error { return tx.TouchChatVisitors(ctx, batch, now) }); err != nil {
			return err
		}
	}
	return nil
}

// VisitorDetail is a visitor as the agent side shows them.
type VisitorDetail struct {
	Visitor   desk.ChatVisitor
	PageViews []desk.PageView
	Online    bool
	Chat      *desk.Chat // the latest chat, if any
}

// Visitors lists who is on the sites now (any agent), most recent first.
func (s *Service) Visitors(ctx context.Context, a desk.Actor, limit int) ([]desk.ChatVisitor, error) {
	if err := a.RequireAgent(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	return s.st.Read().OnlineChatVisitors(ctx, s.now().Add(-s.o.VisitorTimeout), limit)
}

// Visitor returns one visitor with their latest page views (any agent).
func (s *Service) Visitor(ctx context.Context, a desk.Actor, id int64) (VisitorDetail, error) {
	if err := a.RequireAgent(); err != nil {
		return VisitorDetail{}, err
	}
	tx := s.st.Read()
	v, err := tx.ChatVisitor(ctx, id)
	if err != nil {
		return VisitorDetail{}, err
	}
	pv, err := tx.PageViews(ctx, id, 50)
	if err != nil {
		return VisitorDetail{}, err
	}
	d := VisitorDetail{Visitor: v, PageViews: pv, Online: s.now().Sub(v.LastSeenAt) <= s.o.VisitorTimeout}
	if c, err := tx.LatestChat(ctx, id); err == nil {
		d.Chat = &c
	} else if !desk.IsNotFound(err) {
		return VisitorDetail{}, err
	}
	return d, nil
}
