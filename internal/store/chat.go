package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/desk"
)

// Chat channels -------------------------------------------------------------

const chatChannelColumns = `ch.id, ch.public_key, ch.name, ch.team_id, t.name, ch.mailbox_id, ch.origins, ch.color,
	ch.greeting, ch.position, ch.languages, ch.prechat, ch.max_upload, ch.queue_timeout, ch.end_after_left,
	ch.token_secret, ch.identity_secret, ch.active, ch.created_at, ch.updated_at`

const chatChannelFrom = ` FROM chat_channels ch LEFT JOIN teams t ON t.id = ch.team_id`

func scanChatChannel(sc interface{ Scan(...any) error }, c *desk.ChatChannel) error {
	var teamID sql.NullInt64
	var teamName sql.NullString
	var origins, langs, prechat string
	var queueTimeout, endAfterLeft int64
	if err := sc.Scan(&c.ID, &c.PublicKey, &c.Name, &teamID, &teamName, nint{&c.MailboxID}, &origins, &c.Color,
		&c.Greeting, &c.Position, &langs, &prechat, &c.MaxUpload, &queueTimeout, &endAfterLeft, &c.TokenSecret,
		&c.IdentitySecret, &c.Active, ts{&c.CreatedAt}, ts{&c.UpdatedAt}); err != nil {
		return err
	}
	c.QueueTimeout, c.EndAfterLeft = time.Duration(queueTimeout)*time.Second, time.Duration(endAfterLeft)*time.Second
	c.Team = nil
	if teamID.Valid {
		c.Team = &desk.TeamRef{ID: teamID.Int64, Name: teamName.String}
	}
	c.Origins = splitList(origins, "\n")
	c.Languages = splitList(langs, ",")
	c.Prechat = desk.Prechat{}
	_ = json.Unmarshal([]byte(prechat), &c.Prechat)
	return nil
}

func splitList(s, sep string) []string {
	out := []string{}
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// seconds stores a duration as whole seconds.
func seconds(d time.Duration) int64 { return int64(d / time.Second) }

func prechatJSON(p desk.Prechat) string {
	b, _ := json.Marshal(p)
	return string(b)
}

// InsertChatChannel stores a new chat channel, setting c.ID. A taken
// public key is desk.EConflict.
func (tx *Tx) InsertChatChannel(ctx context.Context, c *desk.ChatChannel) error {
	id, err := tx.insertID(ctx, `INSERT INTO chat_channels (public_key, name, team_id, mailbox_id, origins, color,
		greeting, position, languages, prechat, max_upload, queue_timeout, end_after_left, token_secret, identity_secret,
		active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.PublicKey, c.Name, teamID(c.Team), nullInt(c.MailboxID), strings.Join(c.Origins, "\n"), c.Color,
		c.Greeting, c.Position, strings.Join(c.Languages, ","), prechatJSON(c.Prechat), c.MaxUpload,
		seconds(c.QueueTimeout), seconds(c.EndAfterLeft), c.TokenSecret, c.IdentitySecret, c.Active, c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: insert chat channel %q: %w", c.Name, err)
	}
	c.ID = id
	return nil
}

// UpdateChatChannel saves a channel's settings (its key and secrets too).
func (tx *Tx) UpdateChatChannel(ctx context.Context, c desk.ChatChannel) error {
	res, err := tx.exec(ctx, `UPDATE chat_channels SET name = ?, team_id = ?, mailbox_id = ?, origins = ?, color = ?,
		greeting = ?, position = ?, languages = ?, prechat = ?, max_upload = ?, queue_timeout = ?, end_after_left = ?,
		token_secret = ?, identity_secret = ?, active = ?, updated_at = ? WHERE id = ?`,
		c.Name, teamID(c.Team), nullInt(c.MailboxID), strings.Join(c.Origins, "\n"), c.Color,
		c.Greeting, c.Position, strings.Join(c.Languages, ","), prechatJSON(c.Prechat), c.MaxUpload,
		seconds(c.QueueTimeout), seconds(c.EndAfterLeft), c.TokenSecret, c.IdentitySecret, c.Active, c.UpdatedAt, c.ID)
	if err != nil {
		return fmt.Errorf("store: update chat channel %d: %w", c.ID, err)
	}
	return mustAffect(res, "Chat channel", "update chat channel %d", c.ID)
}

// DeleteChatChannel removes a channel with its visitors and chats' logs;
// the chats' tickets stay.
func (tx *Tx) DeleteChatChannel(ctx context.Context, id int64) error {
	res, err := tx.exec(ctx, "DELETE FROM chat_channels WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("store: delete chat channel %d: %w", id, err)
	}
	return mustAffect(res, "Chat channel", "delete chat channel %d", id)
}

// ChatChannel returns one channel by id.
func (tx *Tx) ChatChannel(ctx context.Context, id int64) (desk.ChatChannel, error) {
	var c desk.ChatChannel
	err := scanChatChannel(tx.queryRow(ctx, "SELECT "+chatChannelColumns+chatChannelFrom+" WHERE ch.id = ?", id), &c)
	return c, wrap(err, "Chat channel", "get chat channel %d", id)
}

// ChatChannelByKey returns the channel with this public key.
func (tx *Tx) ChatChannelByKey(ctx context.Context, key string) (desk.ChatChannel, error) {
	var c desk.ChatChannel
	err := scanChatChannel(tx.queryRow(ctx, "SELECT "+chatChannelColumns+chatChannelFrom+" WHERE ch.public_key = ?", key), &c)
	return c, wrap(err, "Chat channel", "get chat channel %q", key)
}

// ChatChannels returns every channel, by name.
func (tx *Tx) ChatChannels(ctx context.Context) ([]desk.ChatChannel, error) {
	rows, err := tx.query(ctx, "SELECT "+chatChannelColumns+chatChannelFrom+" ORDER BY lower(ch.name), ch.id")
	if err != nil {
		return nil, fmt.Errorf("store: list chat channels: %w", err)
	}
	defer rows.Close()
	out := []desk.ChatChannel{}
	for rows.Next() {
		var c desk.ChatChannel
		if err := scanChatChannel(rows, &c); err != nil {
			return nil, fmt.Errorf("store: list chat channels: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Invitations ---------------------------------------------------------------

const invitationColumns = `id, channel_id, name, url_pattern, min_seconds, min_visits, greeting, active, position, created_at`

func scanInvitation(sc interface{ Scan(...any) error }, v *desk.ChatInvitation) error {
	return sc.Scan(&v.ID, &v.ChannelID, &v.Name, &v.URLPattern, &v.MinSeconds, &v.MinVisits, &v.Greeting,
		&v.Active, &v.Position, ts{&v.CreatedAt})
}

// InsertChatInvitation stores a new invitation rule, setting v.ID.
func (tx *Tx) InsertChatInvitation(ctx context.Context, v *desk.ChatInvitation) error {
	id, err := tx.insertID(ctx, `INSERT INTO chat_invitations (channel_id, name, url_pattern, min_seconds, min_visits,
		greeting, active, position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ChannelID, v.Name, v.URLPattern, v.MinSeconds, v.MinVisits, v.Greeting, v.Active, v.Position, v.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: insert chat invitation: %w", err)
	}
	v.ID = id
	return nil
}

// UpdateChatInvitation saves an invitation rule.
func (tx *Tx) UpdateChatInvitation(ctx context.Context, v desk.ChatInvitation) error {
	res, err := tx.exec(ctx, `UPDATE chat_invitations SET name = ?, url_pattern = ?, min_seconds = ?, min_visits = ?,
		greeting = ?, active = ?, position = ? WHERE id = ? AND channel_id = ?`,
		v.Name, v.URLPattern, v.MinSeconds, v.MinVisits, v.Greeting, v.Active, v.Position, v.ID, v.ChannelID)
	if err != nil {
		return fmt.Errorf("store: update chat invitation %d: %w", v.ID, err)
	}
	return mustAffect(res, "Invitation", "update chat invitation %d", v.ID)
}

// DeleteChatInvitation removes an invitation rule of a channel.
func (tx *Tx) DeleteChatInvitation(ctx context.Context, channelID, id int64) error {
	res, err := tx.exec(ctx, "DELETE FROM chat_invitations WHERE id = ? AND channel_id = ?", id, channelID)
	if err != nil {
		return fmt.Errorf("store: delete chat invitation %d: %w", id, err)
	}
	return mustAffect(res, "Invitation", "delete chat invitation %d", id)
}

// ChatInvitations returns a channel's invitation rules in order.
func (tx *Tx) ChatInvitations(ctx context.Context, channelID int64) ([]desk.ChatInvitation, error) {
	rows, err := tx.query(ctx, "SELECT "+invitationColumns+" FROM chat_invitations WHERE channel_id = ? ORDER BY position, id", channelID)
	if err != nil {
		return nil, fmt.Errorf("store: list chat invitations: %w", err)
	}
	defer rows.Close()
	out := []desk.ChatInvitation{}
	for rows.Next() {
		var v desk.ChatInvitation
		if err := scanInvitation(rows, &v); err != nil {
			return nil, fmt.Errorf("store: list chat invitations: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Visitors ------------------------------------------------------------------

const visitorColumns = `v.id, v.channel_id, v.contact_id, c.name, c.email, v.external_id, v.name, v.email, v.language,
	v.timezone, v.user_agent, v.referrer, v.current_url, v.current_title, v.visits, v.page_views,
	v.first_seen_at, v.visit_at, v.last_seen_at, v.verified`

const visitorFrom = ` FROM chat_visitors v LEFT JOIN contacts c ON c.id = v.contact_id`

func scanVisitor(sc interface{ Scan(...any) error }, v *desk.ChatVisitor, extra ...any) error {
	var cID sql.NullInt64
	var cName, cEmail sql.NullString
	dest := []any{&v.ID, &v.ChannelID, &cID, &cName, &cEmail, &v.ExternalID, &v.Name, &v.Email, &v.Language,
		&v.TimeZone, &v.UserAgent, &v.Referrer, &v.CurrentURL, &v.CurrentTitle, &v.Visits, &v.PageViews,
		ts{&v.FirstSeenAt}, ts{&v.VisitAt}, ts{&v.LastSeenAt}, &v.Verified}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return err
	}
	v.Contact = nil
	if cID.Valid {
		v.Contact = &desk.ContactRef{ID: cID.Int64, Name: cName.String, Email: cEmail.String}
	}
	return nil
}

// InsertChatVisitor stores a new visitor, setting v.ID.
func (tx *Tx) InsertChatVisitor(ctx context.Context, v *desk.ChatVisitor) error {
	var contactID *int64
	if v.Contact != nil {
		contactID = &v.Contact.ID
	}
	id, err := tx.insertID(ctx, `INSERT INTO chat_visitors (channel_id, contact_id, external_id, name, email, language,
		timezone, user_agent, referrer, current_url, current_title, visits, page_views, first_seen_at, visit_at, last_seen_at,
		verified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ChannelID, nullInt(contactID), v.ExternalID, v.Name, v.Email, v.Language, v.TimeZone, v.UserAgent,
		v.Referrer, v.CurrentURL, v.CurrentTitle, v.Visits, v.PageViews, v.FirstSeenAt, v.VisitAt, v.LastSeenAt, v.Verified)
	if err != nil {
		return fmt.Errorf("store: insert chat visitor: %w", err)
	}
	v.ID = id
	return nil
}

// SaveChatVisitor saves what a visit changes: identity (and whether the
// site signed it), contact, browser
// details, the current page and the counters.
func (tx *Tx) SaveChatVisitor(ctx context.Context, v desk.ChatVisitor) error {
	var contactID *int64
	if v.Contact != nil {
		contactID = &v.Contact.ID
	}
	res, err := tx.exec(ctx, `UPDATE chat_visitors SET contact_id = ?, external_id = ?, name = ?, email = ?, language = ?,
		timezone = ?, user_agent = ?, referrer = ?, current_url = ?, current_title = ?, visits = ?, page_views = ?,
		visit_at = ?, last_seen_at = ?, verified = ? WHERE id = ?`,
		nullInt(contactID), v.ExternalID, v.Name, v.Email, v.Language, v.TimeZone, v.UserAgent, v.Referrer,
		v.CurrentURL, v.CurrentTitle, v.Visits, v.PageViews, v.VisitAt, v.LastSeenAt, v.Verified, v.ID)
	if err != nil {
		return fmt.Errorf("store: save chat visitor %d: %w", v.ID, err)
	}
	return mustAffect(res, "Visitor", "save chat visitor %d", v.ID)
}

// ChatVisitor returns one visitor.
func (tx *Tx) ChatVisitor(ctx context.Context, id int64) (desk.ChatVisitor, error) {
	var v desk.ChatVisitor
	err := scanVisitor(tx.queryRow(ctx, "SELECT "+visitorColumns+visitorFrom+" WHERE v.id = ?", id), &v)
	return v, wrap(err, "Visitor", "get chat visitor %d", id)
}

// ChatVisitorByExternal returns the channel's visitor the site identified
// as externalID (the newest, should there be several).
func (tx *Tx) ChatVisitorByExternal(ctx context.Context, channelID int64, externalID string) (desk.ChatVisitor, error) {
	var v desk.ChatVisitor
	err := scanVisitor(tx.queryRow(ctx, "SELECT "+visitorColumns+visitorFrom+
		" WHERE v.channel_id = ? AND v.external_id = ? ORDER BY v.id DESC LIMIT 1", channelID, externalID), &v)
	return v, wrap(err, "Visitor", "get chat visitor %q", externalID)
}

// TouchChatVisitors sets last_seen_at for visitors still connected (one
// statement per call; the caller batches).
func (tx *Tx) TouchChatVisitors(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{at}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := tx.exec(ctx, "UPDATE chat_visitors SET last_seen_at = ? WHERE id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return fmt.Errorf("store: touch %d chat visitors: %w", len(ids), err)
	}
	return nil
}

// OnlineChatVisitors returns visitors seen since the given time, the most
// recent first, with their open chat if any.
func (tx *Tx) OnlineChatVisitors(ctx context.Context, since time.Time, limit int) ([]desk.ChatVisitor, error) {
	rows, err := tx.query(ctx, "SELECT "+visitorColumns+`,
		(SELECT MAX(ch.id) FROM chats ch WHERE ch.visitor_id = v.id AND ch.status <> 'ended')`+visitorFrom+`
		WHERE v.last_seen_at >= ? ORDER BY v.last_seen_at DESC, v.id DESC LIMIT ?`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list online chat visitors: %w", err)
	}
	defer rows.Close()
	out := []desk.ChatVisitor{}
	for rows.Next() {
		var v desk.ChatVisitor
		var chatID sql.NullInt64
		if err := scanVisitor(rows, &v, &chatID); err != nil {
			return nil, fmt.Errorf("store: list online chat visitors: %w", err)
		}
		v.ChatID = chatID.Int64
		out = append(out, v)
	}
	return out, rows.Err()
}

// InsertPageView records a page a visitor opened.
func (tx *Tx) InsertPageView(ctx context.Context, visitorID int64, p desk.PageView) error {
	_, err := tx.exec(ctx, "INSERT INTO chat_page_views (visitor_id, url, title, at) VALUES (?, ?, ?, ?)",
		visitorID, p.URL, p.Title, p.At)
	if err != nil {
		return fmt.Errorf("store: insert page view of visitor %d: %w", visitorID, err)
	}
	return nil
}

// PageViews returns a visitor's latest page views, newest first.
func (tx *Tx) PageViews(ctx context.Context, visitorID int64, limit int) ([]desk.PageView, error) {
	rows, err := tx.query(ctx, "SELECT url, title, at FROM chat_page_views WHERE visitor_id = ? ORDER BY id DESC LIMIT ?", visitorID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: page views of visitor %d: %w", visitorID, err)
	}
	defer rows.Close()
	out := []desk.PageView{}
	for rows.Next() {
		var p desk.PageView
		if err := rows.Scan(&p.URL, &p.Title, ts{&p.At}); err != nil {
			return nil, fmt.Errorf("store: page views of visitor %d: %w", visitorID, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Chats ---------------------------------------------------------------------

const chatColumns = `ch.id, ch.channel_id, ch.visitor_id, ch.ticket_id, ch.team_id, tm.name, ch.agent_id, a.name, a.email,
	ch.status, ch.last_seq, ch.visitor_seen, ch.agent_seen, ch.rating, ch.rating_comment, ch.transcript_to,
	ch.started_at, ch.queued_at, ch.accepted_at, ch.ended_at, t.number, v.name, v.email, v.verified, t.preview`

const chatFrom = ` FROM chats ch LEFT JOIN teams tm ON tm.id = ch.team_id LEFT JOIN agents a ON a.id = ch.agent_id
	JOIN tickets t ON t.id = ch.ticket_id JOIN chat_visitors v ON v.id = ch.visitor_id`

func scanChat(sc interface{ Scan(...any) error }, c *desk.Chat) error {
	var teamID, agentID, rating sql.NullInt64
	var teamName, agentName, agentEmail sql.NullString
	var vName, vEmail string
	if err := sc.Scan(&c.ID, &c.ChannelID, &c.VisitorID, &c.TicketID, &teamID, &teamName, &agentID, &agentName, &agentEmail,
		&c.Status, &c.LastSeq, &c.VisitorSeen, &c.AgentSeen, &rating, &c.RatingComment, &c.TranscriptTo,
		ts{&c.StartedAt}, nts{&c.QueuedAt}, nts{&c.AcceptedAt}, nts{&c.EndedAt}, &c.TicketNumber, &vName, &vEmail, &c.VisitorVerified, &c.Preview); err != nil {
		return err
	}
	c.Team, c.Agent, c.Rating = nil, nil, nil
	if teamID.Valid {
		c.Team = &desk.TeamRef{ID: teamID.Int64, Name: teamName.String}
	}
	if agentID.Valid {
		c.Agent = &desk.AgentRef{ID: agentID.Int64, Name: agentName.String, Email: agentEmail.String}
	}
	if rating.Valid {
		r := int(rating.Int64)
		c.Rating = &r
	}
	c.VisitorName = vName
	if c.VisitorName == "" {
		c.VisitorName = vEmail
	}
	return nil
}

// InsertChat stores a new chat, setting c.ID.
func (tx *Tx) InsertChat(ctx context.Context, c *desk.Chat) error {
	var agentID *int64
	if c.Agent != nil {
		agentID = &c.Agent.ID
	}
	id, err := tx.insertID(ctx, `INSERT INTO chats (channel_id, visitor_id, ticket_id, team_id, agent_id, status,
		last_seq, started_at, queued_at, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ChannelID, c.VisitorID, c.TicketID, teamID(c.Team), nullInt(agentID), string(c.Status), c.LastSeq,
		c.StartedAt, c.QueuedAt, c.AcceptedAt)
	if err != nil {
		return fmt.Errorf("store: insert chat: %w", err)
	}
	c.ID = id
	return nil
}

// Chat returns one chat.
func (tx *Tx) Chat(ctx context.Context, id int64) (desk.Chat, error) {
	var c desk.Chat
	err := scanChat(tx.queryRow(ctx, "SELECT "+chatColumns+chatFrom+" WHERE ch.id = ?", id), &c)
	return c, wrap(err, "Chat", "get chat %d", id)
}

// ChatForUpdate returns one chat, locking its row on PostgreSQL until the
// transaction ends (SQLite has one writer anyway). It locks the chat's
// ticket first: a reply to the ticket locks the ticket and then (in the
// chat outbox) the chat, so every path must take the two in that order,
// or a visitor's message and an agent's reply on the same chat deadlock.
// A transaction that already holds the ticket's lock takes it again at no
// cost.
func (tx *Tx) ChatForUpdate(ctx context.Context, id int64) (desk.Chat, error) {
	if !tx.pg {
		return tx.Chat(ctx, id)
	}
	var c desk.Chat
	var ticketID int64
	if err := tx.queryRow(ctx, "SELECT t.id FROM tickets t WHERE t.id = (SELECT ticket_id FROM chats WHERE id = ?) FOR UPDATE", id).Scan(&ticketID); err != nil {
		return c, wrap(err, "Chat", "lock the ticket of chat %d", id)
	}
	err := scanChat(tx.queryRow(ctx, "SELECT "+chatColumns+chatFrom+" WHERE ch.id = ? FOR UPDATE OF ch", id), &c)
	return c, wrap(err, "Chat", "lock chat %d", id)
}

// ChatByTicket returns the chat of a ticket.
func (tx *Tx) ChatByTicket(ctx context.Context, ticketID int64) (desk.Chat, error) {
	var c desk.Chat
	err := scanChat(tx.queryRow(ctx, "SELECT "+chatColumns+chatFrom+" WHERE ch.ticket_id = ?", ticketID), &c)
	return c, wrap(err, "Chat", "get chat of ticket %d", ticketID)
}

// LatestChat returns a visitor's newest chat.
func (tx *Tx) LatestChat(ctx context.Context, visitorID int64) (desk.Chat, error) {
	var c desk.Chat
	err := scanChat(tx.queryRow(ctx, "SELECT "+chatColumns+chatFrom+" WHERE ch.visitor_id = ? ORDER BY ch.id DESC LIMIT 1", visitorID), &c)
	return c, wrap(err, "Chat", "get latest chat of visitor %d", visitorID)
}

// OpenChats returns the chats an agent sees on the chat side: those they
// handle, and the queued ones of the given teams (any team's when teamIDs
// is nil; queued chats without a team are always included).
func (tx *Tx) OpenChats(ctx context.Context, agentID int64, teamIDs []int64, allTeams bool) ([]desk.Chat, error) {
	where := "(ch.status = 'active' AND ch.agent_id = ?) OR (ch.status = 'queued' AND (ch.team_id IS NULL"
	args := []any{agentID}
	if allTeams {
		where += " OR TRUE"
	} else if len(teamIDs) > 0 {
		where += " OR ch.team_id IN (" + placeholders(len(teamIDs)) + ")"
		for _, id := range teamIDs {
			args = append(args, id)
		}
	}
	where += "))"
	rows, err := tx.query(ctx, "SELECT "+chatColumns+chatFrom+" WHERE "+where+" ORDER BY ch.started_at, ch.id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: list open chats: %w", err)
	}
	defer rows.Close()
	out := []desk.Chat{}
	for rows.Next() {
		var c desk.Chat
		if err := scanChat(rows, &c); err != nil {
			return nil, fmt.Errorf("store: list open chats: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// NextChatSeq takes the next entry number of a chat.
func (tx *Tx) NextChatSeq(ctx context.Context, chatID int64) (int64, error) {
	var seq int64
	err := tx.queryRow(ctx, "UPDATE chats SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq", chatID).Scan(&seq)
	return seq, wrap(err, "Chat", "next seq of chat %d", chatID)
}

// SaveChatState saves a chat's status, agent, team, times, rating and
// transcript addresses.
func (tx *Tx) SaveChatState(ctx context.Context, c desk.Chat) error {
	var agentID *int64
	if c.Agent != nil {
		agentID = &c.Agent.ID
	}
	var rating any
	if c.Rating != nil {
		rating = *c.Rating
	}
	res, err := tx.exec(ctx, `UPDATE chats SET status = ?, agent_id = ?, team_id = ?, queued_at = ?, accepted_at = ?,
		ended_at = ?, rating = ?, rating_comment = ?, transcript_to = ? WHERE id = ?`,
		string(c.Status), nullInt(agentID), teamID(c.Team), c.QueuedAt, c.AcceptedAt, c.EndedAt, rating,
		c.RatingComment, c.TranscriptTo, c.ID)
	if err != nil {
		return fmt.Errorf("store: save chat %d: %w", c.ID, err)
	}
	return mustAffect(res, "Chat", "save chat %d", c.ID)
}

// ClaimQueuedChat gives a queued chat to an agent, if it is still queued.
// It reports whether this call got it.
func (tx *Tx) ClaimQueuedChat(ctx context.Context, chatID, agentID int64, at time.Time) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE chats SET status = 'active', agent_id = ?, accepted_at = COALESCE(accepted_at, ?)
		WHERE id = ? AND status = 'queued'`, agentID, at, chatID)
	if err != nil {
		return false, fmt.Errorf("store: claim chat %d: %w", chatID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetChatSeen raises how far the visitor (visitor true) or the agent has
// read a chat; it never lowers it. It reports whether it changed.
func (tx *Tx) SetChatSeen(ctx context.Context, chatID int64, visitor bool, seq int64) (bool, error) {
	col := "agent_seen"
	if visitor {
		col = "visitor_seen"
	}
	res, err := tx.exec(ctx, "UPDATE chats SET "+col+" = ? WHERE id = ? AND "+col+" < ? AND last_seq >= ?", seq, chatID, seq, seq)
	if err != nil {
		return false, fmt.Errorf("store: mark chat %d seen: %w", chatID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Entries -------------------------------------------------------------------

// InsertChatEntry appends an entry (its Seq from NextChatSeq). A visitor
// message whose client id the chat already has is desk.EConflict.
func (tx *Tx) InsertChatEntry(ctx context.Context, e desk.ChatEntry) error {
	var clientID, agentID, messageID any
	if e.ClientID != "" {
		clientID = e.ClientID
	}
	if e.AgentID != 0 {
		agentID = e.AgentID
	}
	if e.MessageID != 0 {
		messageID = e.MessageID
	}
	_, err := tx.exec(ctx, `INSERT INTO chat_entries (chat_id, seq, kind, author, agent_id, name, message_id, client_id,
		body, event, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ChatID, e.Seq, e.Kind, e.Author, agentID, e.Name, messageID, clientID, e.Body, e.Event, e.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: insert entry %d of chat %d: %w", e.Seq, e.ChatID, mapErr(err))
	}
	return nil
}

// ChatEntryByClient returns the visitor message with this client id, if
// the chat has it (desk.ENotFound otherwise).
func (tx *Tx) ChatEntryByClient(ctx context.Context, chatID int64, clientID string) (desk.ChatEntry, error) {
	es, err := tx.chatEntries(ctx, "e.chat_id = ? AND e.client_id = ?", []any{chatID, clientID}, 1)
	if err != nil {
		return desk.ChatEntry{}, err
	}
	if len(es) == 0 {
		return desk.ChatEntry{}, fmt.Errorf("store: chat %d entry %q: %w", chatID, clientID, notFound("Entry"))
	}
	return es[0], nil
}

// ChatEntries returns a chat's entries after seq, oldest first, at most limit.
func (tx *Tx) ChatEntries(ctx context.Context, chatID, after int64, limit int) ([]desk.ChatEntry, error) {
	return tx.chatEntries(ctx, "e.chat_id = ? AND e.seq > ?", []any{chatID, after}, limit)
}

func (tx *Tx) chatEntries(ctx context.Context, where string, args []any, limit int) ([]desk.ChatEntry, error) {
	rows, err := tx.query(ctx, `SELECT e.chat_id, e.seq, e.kind, e.author, e.agent_id, e.name, e.message_id, e.client_id,
		e.body, e.event, e.created_at FROM chat_entries e WHERE `+where+` ORDER BY e.seq LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: list chat entries: %w", err)
	}
	defer rows.Close()
	out := []desk.ChatEntry{}
	byMsg := map[int64]int{}
	for rows.Next() {
		var e desk.ChatEntry
		var agentID, messageID sql.NullInt64
		var clientID sql.NullString
		if err := rows.Scan(&e.ChatID, &e.Seq, &e.Kind, &e.Author, &agentID, &e.Name, &messageID, &clientID,
			&e.Body, &e.Event, ts{&e.CreatedAt}); err != nil {
			return nil, fmt.Errorf("store: list chat entries: %w", err)
		}
		e.AgentID, e.MessageID, e.ClientID = agentID.Int64, messageID.Int64, clientID.String
		if e.MessageID != 0 {
			byMsg[e.MessageID] = len(out)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list chat entries: %w", err)
	}
	rows.Close()
	if len(byMsg) == 0 {
		return out, nil
	}
	ids := make([]any, 0, len(byMsg))
	for id := range byMsg {
		ids = append(ids, id)
	}
	arows, err := tx.query(ctx, `SELECT id, message_id, filename, content_type, size, sha256, inline, content_id
		FROM attachments WHERE message_id IN (`+placeholders(len(ids))+`) ORDER BY id`, ids...)
	if err != nil {
		return nil, fmt.Errorf("store: list chat files: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var a desk.Attachment
		var mid int64
		if err := arows.Scan(&a.ID, &mid, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.Inline, &a.ContentID); err != nil {
			return nil, fmt.Errorf("store: list chat files: %w", err)
		}
		i := byMsg[mid]
		out[i].Files = append(out[i].Files, a)
	}
	return out, arows.Err()
}

// ChatFileVisitor returns the visitor whose chat carries the attachment
// (desk.ENotFound when no chat does), so a visitor fetches only their own.
func (tx *Tx) ChatFileVisitor(ctx context.Context, attachmentID int64) (int64, error) {
	var visitorID int64
	err := tx.queryRow(ctx, `SELECT ch.visitor_id FROM attachments at JOIN chat_entries e ON e.message_id = at.message_id
		JOIN chats ch ON ch.id = e.chat_id WHERE at.id = ? LIMIT 1`, attachmentID).Scan(&visitorID)
	return visitorID, wrap(err, "File", "get visitor of file %d", attachmentID)
}

// Agents' chat status -------------------------------------------------------

// SetAgentChatStatus sets whether an agent takes chats.
func (tx *Tx) SetAgentChatStatus(ctx context.Context, agentID int64, s desk.AgentChatStatus, at time.Time) error {
	res, err := tx.exec(ctx, "UPDATE agents SET chat_status = ?, chat_seen_at = ? WHERE id = ?", string(s), at, agentID)
	if err != nil {
		return fmt.Errorf("store: set chat status of agent %d: %w", agentID, err)
	}
	return mustAffect(res, "Agent", "set chat status of agent %d", agentID)
}

// TouchAgentChat records that an agent's app is connected now.
func (tx *Tx) TouchAgentChat(ctx context.Context, agentID int64, at time.Time) error {
	_, err := tx.exec(ctx, "UPDATE agents SET chat_seen_at = ? WHERE id = ?", at, agentID)
	if err != nil {
		return fmt.Errorf("store: touch chat of agent %d: %w", agentID, err)
	}
	return nil
}

// AgentChatStatus returns an agent's chat status and when their app was
// last connected (nil: never).
func (tx *Tx) AgentChatStatus(ctx context.Context, agentID int64) (desk.AgentChatStatus, *time.Time, error) {
	var s string
	var seen *time.Time
	err := tx.queryRow(ctx, "SELECT chat_status, chat_seen_at FROM agents WHERE id = ?", agentID).Scan(&s, nts{&seen})
	return desk.AgentChatStatus(s), seen, wrap(err, "Agent", "get chat status of agent %d", agentID)
}

// AvailableChatAgents returns the active agents who are online for chat and
// whose app was connected since the given time: members of the team, or
// everyone when teamID is nil. Each comes with the number of chats they
// are in now, fewest first.
func (tx *Tx) AvailableChatAgents(ctx context.Context, teamID *int64, since time.Time) ([]desk.AgentRef, []int, error) {
	q := `SELECT a.id, a.name, a.email, (SELECT COUNT(*) FROM chats c WHERE c.agent_id = a.id AND c.status = 'active')
		FROM agents a WHERE a.active = ? AND a.chat_status = 'online' AND a.chat_seen_at >= ?`
	args := []any{true, since}
	if teamID != nil {
		q += " AND EXISTS (SELECT 1 FROM team_members m WHERE m.agent_id = a.id AND m.team_id = ?)"
		args = append(args, *teamID)
	}
	rows, err := tx.query(ctx, q+" ORDER BY 4, a.id", args...)
	if err != nil {
		return nil, nil, fmt.Errorf("store: available chat agents: %w", err)
	}
	defer rows.Close()
	var out []desk.AgentRef
	var load []int
	for rows.Next() {
		var a desk.AgentRef
		var n int
		if err := rows.Scan(&a.ID, &a.Name, &a.Email, &n); err != nil {
			return nil, nil, fmt.Errorf("store: available chat agents: %w", err)
		}
		out = append(out, a)
		load = append(load, n)
	}
	return out, load, rows.Err()
}
