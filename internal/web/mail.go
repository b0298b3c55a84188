package web

import (
	"context"
	"net/http"
	"strconv"

	"switchboard/internal/desk"
)

// MailRetrier sends a failed email reply again (the outbound mail
// sender). Retry puts the outbound email outboundID back in the queue.
type MailRetrier interface {
	Retry(ctx context.Context, a desk.Actor, ticketID, outboundID int64) error
}

// retryDelivery queues a failed email reply of this ticket again.
func (a *app) retryDelivery(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	oid, err := strconv.ParseInt(r.PathValue("oid"), 10, 64)
	if err != nil || oid <= 0 || a.cfg.Mail == nil {
		return desk.Errorf(desk.ENotFound, "%s", rq.loc.T("delivery.not_found"))
	}
	// The sender checks the email is a reply of this ticket's thread.
	if err := a.cfg.Mail.Retry(r.Context(), rq.actor, id, oid); err != nil {
		if desk.IsNotFound(err) {
			return desk.Errorf(desk.ENotFound, "%s", rq.loc.T("delivery.not_found"))
		}
		return err
	}
	return a.afterChange(w, r, rq, id, rq.loc.T("toast.retrying"))
}

// deliveryState is what the thread says about the email carrying a reply.
type deliveryState struct {
	Kind    string // "sending", "retrying", "sent" or "failed"
	Attempt int    // for retrying: the attempt under way or next
}

// deliveryOf sums up a delivery: an email queued after a failed attempt,
// or sending again, is retrying.
func deliveryOf(d *desk.Delivery) deliveryState {
	if d == nil {
		return deliveryState{}
	}
	switch d.Status {
	case desk.DeliverySent:
		return deliveryState{Kind: "sent"}
	case desk.DeliveryFailed:
		return deliveryState{Kind: "failed"}
	case desk.DeliverySending:
		if d.Attempts > 1 {
			return deliveryState{Kind: "retrying", Attempt: d.Attempts}
		}
	case desk.DeliveryQueued:
		if d.Attempts >= 1 && d.LastError != "" {
			return deliveryState{Kind: "retrying", Attempt: d.Attempts + 1}
		}
	}
	return deliveryState{Kind: "sending"}
}
