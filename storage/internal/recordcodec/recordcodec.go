// Package recordcodec is the stored form of a rosync.Record's fields that
// the SQL stores keep as JSON (the records.data column), and of times as
// text. The SQLite and PostgreSQL stores share it, so their data columns
// hold the same format.
package recordcodec

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
)

// TimeLayout is RFC 3339 in UTC with a fixed nine-digit fraction, so that
// stored times keep full precision and sort as text.
const TimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// FormatTime returns t as stored: UTC text in timeLayout, or "" for the zero
// time (which sorts before every other time).
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// ParseTime reads a time that FormatTime wrote.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// recordData is the JSON of the records.data column: the fields of
// rosync.Record that have no column of their own. Its keys are the on-disk
// format; change them only with a migration.
type recordData struct {
	PlatformCreatedAt string              `json:"platform_created_at,omitempty"`
	ClientID          int64               `json:"client_id,omitempty"`
	IntentAt          string              `json:"intent_at,omitempty"`
	DoubtAt           string              `json:"doubt_at,omitempty"`
	Lines             map[string]lineData `json:"lines,omitempty"`
	DeliveryHash      string              `json:"delivery_hash,omitempty"`
	PendingComment    string              `json:"pending_comment,omitempty"`
	Deducted          bool                `json:"deducted,omitempty"`
	PlatformStatus    string              `json:"platform_status,omitempty"`
	ROStatusID        int64               `json:"ro_status_id,omitempty"`
	StatusPushSent    string              `json:"status_push_sent,omitempty"`
	Rule              string              `json:"rule,omitempty"`
	Reason            string              `json:"reason,omitempty"`
	Attempts          int                 `json:"attempts,omitempty"`
	CustomerHash      string              `json:"customer_hash,omitempty"`
	CustomerPhone     string              `json:"customer_phone,omitempty"`
}

// lineData is a rosync.LineLink in recordData; the price is a decimal string.
type lineData struct {
	ROItemID  int64  `json:"ro_item_id,omitempty"`
	ProductID int64  `json:"product_id"`
	Quantity  int64  `json:"quantity"`
	Price     string `json:"price"`
	Discount  string `json:"discount,omitempty"`
}

// Encode returns the records.data JSON of r: the fields of rosync.Record
// that have no column of their own.
func Encode(r *rosync.Record) ([]byte, error) {
	d := recordData{
		PlatformCreatedAt: FormatTime(r.PlatformCreatedAt),
		ClientID:          r.ClientID,
		IntentAt:          FormatTime(r.IntentAt),
		DoubtAt:           FormatTime(r.DoubtAt),
		DeliveryHash:      r.DeliveryHash,
		PendingComment:    r.PendingComment,
		Deducted:          r.Deducted,
		PlatformStatus:    r.PlatformStatus,
		ROStatusID:        r.ROStatusID,
		StatusPushSent:    r.StatusPushSent,
		Rule:              r.Rule,
		Reason:            r.Reason,
		Attempts:          r.Attempts,
		CustomerHash:      r.CustomerHash,
		CustomerPhone:     r.CustomerPhone,
	}
	if len(r.Lines) > 0 {
		d.Lines = make(map[string]lineData, len(r.Lines))
		for id, l := range r.Lines {
			d.Lines[id] = lineData{ROItemID: l.ROItemID, ProductID: l.ProductID, Quantity: l.Quantity, Price: l.Price.String(), Discount: discountString(l.Discount)}
		}
	}
	return json.Marshal(d)
}

// Decode fills the fields of r that the records.data JSON holds.
func Decode(data []byte, r *rosync.Record) error {
	var d recordData
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	var err error
	if r.PlatformCreatedAt, err = ParseTime(d.PlatformCreatedAt); err != nil {
		return fmt.Errorf("platform_created_at: %w", err)
	}
	if r.IntentAt, err = ParseTime(d.IntentAt); err != nil {
		return fmt.Errorf("intent_at: %w", err)
	}
	if r.DoubtAt, err = ParseTime(d.DoubtAt); err != nil {
		return fmt.Errorf("doubt_at: %w", err)
	}
	r.ClientID = d.ClientID
	r.DeliveryHash = d.DeliveryHash
	r.PendingComment = d.PendingComment
	r.Deducted = d.Deducted
	r.PlatformStatus = d.PlatformStatus
	r.ROStatusID = d.ROStatusID
	r.StatusPushSent = d.StatusPushSent
	r.Rule = d.Rule
	r.Reason = d.Reason
	r.Attempts = d.Attempts
	r.CustomerHash = d.CustomerHash
	r.CustomerPhone = d.CustomerPhone
	if d.Lines != nil {
		r.Lines = make(map[string]rosync.LineLink, len(d.Lines))
		for id, l := range d.Lines {
			price, err := decimal.NewFromString(l.Price)
			if err != nil {
				return fmt.Errorf("line %q: price: %w", id, err)
			}
			discount := decimal.Zero
			if l.Discount != "" {
				if discount, err = decimal.NewFromString(l.Discount); err != nil {
					return fmt.Errorf("line %q: discount: %w", id, err)
				}
			}
			r.Lines[id] = rosync.LineLink{ROItemID: l.ROItemID, ProductID: l.ProductID, Quantity: l.Quantity, Price: price, Discount: discount}
		}
	}
	return nil
}

// discountString is a line discount as stored: "" for none, so that
// records written before discounts existed read the same.
func discountString(d decimal.Decimal) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}
