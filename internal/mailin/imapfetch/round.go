package imapfetch

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"switchboard/internal/desk"
	"switchboard/internal/mailin"
	"switchboard/internal/store"
)

// pending is a message of the folder not yet taken in.
type pending struct {
	uid  imap.UID
	size int64
}

// round takes in every message after the stored UID, in UID order. A
// message is marked \Seen and the state advanced only after the Deliverer
// accepted it; a message refused for good is skipped (state advanced, left
// unseen); a temporary error ends the round without advancing.
func (f *Fetcher) round(ctx context.Context, c *imapclient.Client, uidValidity uint32) error {
	id := f.mb.Load().ID
	state, err := f.st.Read().IMAPState(ctx, id)
	if err != nil {
		return fmt.Errorf("imap: read state: %w", err)
	}
	last := state.LastUID
	if state.UIDValidity != uidValidity {
		if state.UIDValidity != 0 {
			f.log.Info("imap: folder UIDVALIDITY changed, refetching it", "old", state.UIDValidity, "new", uidValidity)
		}
		last = 0
		if err := f.st.Write(ctx, func(tx *store.Tx) error {
			return tx.SetIMAPState(ctx, id, desk.IMAPState{UIDValidity: uidValidity})
		}); err != nil {
			return fmt.Errorf("imap: record new UIDVALIDITY: %w", err)
		}
	}
	todo, err := listAfter(c, imap.UID(last))
	if err != nil {
		return err
	}
	for _, p := range todo {
		if err := ctx.Err(); err != nil {
			return nil
		}
		delivered, err := f.takeIn(ctx, c, p)
		if err != nil {
			return err
		}
		if err := f.st.Write(ctx, func(tx *store.Tx) error {
			return tx.SetIMAPState(ctx, id, desk.IMAPState{UIDValidity: uidValidity, LastUID: uint32(p.uid)})
		}); err != nil {
			return fmt.Errorf("imap: record state at uid %d: %w", p.uid, err)
		}
		if delivered {
			seen := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
			if err := c.Store(imap.UIDSetNum(p.uid), seen, nil).Close(); err != nil {
				return fmt.Errorf("imap: mark uid %d seen: %w", p.uid, err)
			}
		}
	}
	return nil
}

// listAfter returns the messages with a UID above last, in UID order.
// "last+1:*" also matches the newest message when its UID is ≤ last, so
// the answer is filtered.
func listAfter(c *imapclient.Client, last imap.UID) ([]pending, error) {
	var set imap.UIDSet
	set.AddRange(last+1, 0) // 0 is "*"
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("imap: list messages after uid %d: %w", last, err)
	}
	return after(msgs, last), nil
}

// after keeps the messages with a UID above last, in UID order, once each.
// (imapclient already drops answers outside the requested set; this does
// not rely on it.)
func after(msgs []*imapclient.FetchMessageBuffer, last imap.UID) []pending {
	var out []pending
	for _, m := range msgs {
		if m.UID > last {
			out = append(out, pending{uid: m.UID, size: m.RFC822Size})
		}
	}
	slices.SortFunc(out, func(a, b pending) int { return cmp.Compare(a.uid, b.uid) })
	return slices.CompactFunc(out, func(a, b pending) bool { return a.uid == b.uid })
}

// takeIn downloads one message and delivers it. It returns nil when the
// state may advance past the message, with delivered false when it was
// refused for good or is gone (it is then left unseen).
func (f *Fetcher) takeIn(ctx context.Context, c *imapclient.Client, p pending) (delivered bool, err error) {
	log := f.log.With("uid", uint32(p.uid))
	if p.size > f.opts.MaxMessageSize {
		log.Warn("imap: message too large, skipped and left unseen", "size", p.size, "max", f.opts.MaxMessageSize)
		return false, nil
	}
	section := &imap.FetchItemBodySection{Peek: true} // BODY.PEEK[]: flags untouched
	msgs, err := c.Fetch(imap.UIDSetNum(p.uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return false, fmt.Errorf("imap: fetch uid %d: %w", p.uid, err)
	}
	var raw []byte
	found := false
	for _, m := range msgs {
		if m.UID == p.uid {
			raw, found = m.FindBodySection(section), true
		}
	}
	if !found {
		log.Warn("imap: message vanished before it was fetched, skipped")
		return false, nil
	}
	_, err = f.d.Deliver(ctx, *f.mb.Load(), raw, mailin.SourceIMAP)
	switch {
	case err == nil:
	case desk.ErrorCode(err) == desk.EInvalid:
		log.Warn("imap: message refused for good, skipped and left unseen", "err", err)
		return false, nil
	default:
		return false, fmt.Errorf("imap: deliver uid %d: %w", p.uid, err)
	}
	return true, nil
}
