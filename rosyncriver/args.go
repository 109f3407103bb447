package rosyncriver

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rosync/rosync"
)

// Job priorities (River's 1, the highest, to 4). Workers fetch the highest
// priority first: live webhooks go ahead of order syncs and polls.
const (
	// PriorityLive is the priority of webhook hints and RO App events.
	PriorityLive = 1
	// PriorityOrder is the priority of single order syncs (OrderArgs).
	PriorityOrder = 2
	// PriorityPoll is the priority of reconciliation polls (PollArgs).
	PriorityPoll = 3
)

// beforeCompletion are the states in which a job of one order or one
// shop's poll is still to run or running: River requires available,
// pending, running and scheduled; retryable is added so that a failed job
// waiting for its retry is not doubled. Completed is left out, so that a
// later job is inserted once the previous one finished.
var beforeCompletion = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// HintArgs is a verified platform webhook hint to apply: job kind
// rosync_hint, priority 1. It is unique by Shop and Key (the event id), in
// every state River keeps, completed included: the platform's
// redeliveries of one event insert one job.
type HintArgs struct {
	// Shop names the Syncer (rosync.Syncer.Shop) that applies the hint.
	Shop string `json:"shop" river:"unique"`
	// Key is the hint's event id, or a random key when the platform sent
	// none (such hints are never merged).
	Key string `json:"key" river:"unique"`
	// OrderID is the platform order id.
	OrderID string `json:"order_id"`
	// EventID and Topic are the hint's, for the jobs UI and logs.
	EventID string `json:"event_id,omitempty"`
	Topic   string `json:"topic,omitempty"`
}

// NewHintArgs returns the job arguments of hint h for shop.
func NewHintArgs(shop string, h rosync.Hint) HintArgs {
	key := h.EventID
	if key == "" {
		key = "random/" + randomKey()
	}
	return HintArgs{Shop: shop, Key: key, OrderID: h.OrderID, EventID: h.EventID, Topic: h.Topic}
}

// Kind is the job kind, rosync_hint.
func (HintArgs) Kind() string { return "rosync_hint" }

// InsertOpts gives hints the live priority and uniqueness by shop and key.
func (HintArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Priority: PriorityLive, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// ROEventArgs is a verified RO App webhook event: job kind
// rosync_roapp_event, priority 1, unique by the delivery id (RO App keeps
// it across its redeliveries; roapp.VerifyWebhook requires it).
type ROEventArgs struct {
	// ID is the delivery id, the event's unique key.
	ID string `json:"id" river:"unique"`
	// Event is the decoded event.
	Event rosync.ROEvent `json:"event"`
}

// Kind is the job kind, rosync_roapp_event.
func (ROEventArgs) Kind() string { return "rosync_roapp_event" }

// InsertOpts gives RO App events the live priority and uniqueness by id.
func (ROEventArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Priority: PriorityLive, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// OrderArgs fetches and applies one order (rosync.Syncer.Sync): job kind
// rosync_order, priority 2, unique by shop and order among the jobs not
// yet completed.
type OrderArgs struct {
	Shop    string `json:"shop" river:"unique"`
	OrderID string `json:"order_id" river:"unique"`
}

// Kind is the job kind, rosync_order.
func (OrderArgs) Kind() string { return "rosync_order" }

// InsertOpts gives order syncs priority 2 and one waiting job per order.
func (OrderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Priority: PriorityOrder, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: beforeCompletion}}
}

// PollArgs runs one reconciliation pass of a shop (rosync.Syncer.Poll):
// job kind rosync_poll, priority 3, unique by shop among the jobs not yet
// completed, one attempt (the next period's poll redoes a failed one).
type PollArgs struct {
	Shop string `json:"shop" river:"unique"`
}

// Kind is the job kind, rosync_poll.
func (PollArgs) Kind() string { return "rosync_poll" }

// InsertOpts gives polls priority 3, one attempt and one poll per shop in
// flight.
func (PollArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Priority: PriorityPoll, MaxAttempts: 1,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: beforeCompletion}}
}

// randomKey returns 16 random bytes in hex.
func randomKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
