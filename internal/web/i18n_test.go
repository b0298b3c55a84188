package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"switchboard/internal/canned"
	"switchboard/internal/chat"
	"switchboard/internal/desk"
	"switchboard/internal/i18n"
	"switchboard/internal/mailin"
)

// TestCatalogueCoversUI checks that every message key the templates and
// handlers use, literal or built from a domain value, is in the English
// catalogue.
func TestCatalogueCoversUI(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, k := range cat.Keys("en") {
		known[k] = true
	}
	used := map[string]string{}
	lit := regexp.MustCompile(`(?:\{\{-?\s*|\(|\s)tn? "([a-z_.]+)"|loc\.[TN]\("([a-z_.]+)"`)
	scan := func(path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			k := m[1] + m[2]
			if k[len(k)-1] != '.' && k[len(k)-1] != '_' { // prefixes are checked below
				used[k] = path
			}
		}
	}
	_ = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			scan(filepath.Join(".", p))
		}
		return nil
	})
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		scan(f)
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys; is the pattern right?", len(used))
	}
	for _, s := range desk.Statuses {
		used["status."+string(s)] = "desk.Statuses"
	}
	for _, p := range desk.Priorities {
		used["priority."+string(p)] = "desk.Priorities"
	}
	for _, c := range desk.Channels {
		used["channel."+string(c)] = "desk.Channels"
	}
	for _, v := range viewKeys {
		used["view."+v] = "viewKeys"
		used["list.empty."+v] = "viewKeys"
	}
	for _, c := range []desk.Code{desk.EInvalid, desk.ENotFound, desk.EConflict, desk.EUnauthorized, desk.EForbidden, desk.ERateLimited, desk.EInternal} {
		used["error.title."+string(c)] = "desk codes"
	}
	for _, f := range []string{"status", "priority", "assignee", "team", "tags", "subject", "requester"} {
		used["timeline.field."+f] = "eventText"
	}
	for _, a := range []string{"created", "reply", "note", "merged", "merged_from", "follow_up_of", "follow_up", "delivery_failed",
		"chat_ended", "chat_ended_left", "chat_missed", "chat_missed_left", "chat_email", "chat_rating", "chat_transcript", "chat_offline"} {
		used["timeline."+a] = "eventText"
	}
	for _, k := range []string{"live.created", "live.updated", "live.message"} {
		used[k+"_any"] = "events.go"
	}
	for _, m := range desk.InboundModes {
		used["mailbox.inbound."+string(m)] = "desk.InboundModes"
	}
	for _, o := range []string{mailin.OutcomeTicket, mailin.OutcomeFollowUp, mailin.OutcomeReply, mailin.OutcomeBounce,
		mailin.OutcomeAutoReply, mailin.OutcomeIgnored, mailin.OutcomeOwn, mailin.OutcomeFlood} {
		used["mailbox.outcome."+o] = "mailin outcomes"
	}
	for _, st := range []string{desk.MailboxOK, desk.MailboxFailing} {
		used["mailbox.status."+st] = "desk mailbox statuses"
	}
	for _, p := range canned.Placeholders {
		used["canned.ph."+p] = "canned.Placeholders"
	}
	for _, tab := range []string{"agents", "teams", "tokens", "mailboxes", "canned", "chat"} {
		used["admin."+tab] = "admin.go"
	}
	for _, l := range chat.Languages {
		used["language."+l] = "chat.Languages"
	}
	for _, m := range fieldModes {
		used["chatadmin.mode."+string(m)] = "fieldModes"
	}
	for _, k := range []string{"position.right", "position.left", "notice.created", "notice.saved", "notice.rotated"} {
		used["chatadmin."+k] = "chatadmin.go"
	}
	for _, s := range chatStatuses {
		used["chat.status."+string(s)] = "chatStatuses"
	}
	for _, s := range []desk.ChatStatus{desk.ChatQueued, desk.ChatActive, desk.ChatEnded} {
		used["chat.state."+string(s)] = "desk chat statuses"
	}
	for _, k := range []string{"accepted", "transferred", "ended", "ended_visitor", "ended_left", "missed", "missed_left", "rated", "rated_comment", "started"} {
		used["chat.event."+k] = "chatEventText"
	}
	for k, where := range used {
		if !known[k] {
			t.Errorf("%s uses %q, missing from locales/en.json", where, k)
		}
	}
}
