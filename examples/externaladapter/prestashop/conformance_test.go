package prestashop_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformtest"

	"example.com/rosync-prestashop/prestashop"
	"example.com/rosync-prestashop/prestashop/prestashoptest"
)

const (
	testKey    = "PS0123456789ABCDEFGHIJKLMNOPQRST"
	testSecret = "relay-secret-0123"
	pageSize   = 3
)

type harness struct {
	srv  *prestashoptest.Server
	http *httptest.Server
	p    *prestashop.Platform
}

func newHarness(t *testing.T) *harness {
	srv := prestashoptest.New(testKey, "UAH", nil)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	p, err := prestashop.New(hs.URL, testKey, &prestashop.Options{Currency: "UAH", WebhookSecret: testSecret, PageSize: pageSize})
	require.NoError(t, err)
	return &harness{srv: srv, http: hs, p: p}
}

func (h *harness) Platform() rosync.Platform { return h.p }
func (h *harness) PageSize() int             { return pageSize }

func (h *harness) native(t *testing.T, s platformtest.Spec) json.RawMessage {
	id, err := strconv.ParseInt(s.ID, 10, 64)
	require.NoError(t, err)
	state := "2" // Payment accepted
	if s.Excluded {
		state = "5" // Delivered
	}
	var lines []prestashoptest.Line
	for i, l := range s.Lines {
		lines = append(lines, prestashoptest.Line{ID: strconv.Itoa(int(id)*10 + i), ProductID: strconv.Itoa(100 + i),
			SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, Price: l.Price})
	}
	require.NoError(t, h.srv.PutCustomer(prestashoptest.NativeCustomer(id, s.Customer.FirstName, s.Customer.LastName, s.Customer.Email)))
	require.NoError(t, h.srv.PutAddress(prestashoptest.NativeAddress(id, s.Customer.Phone)))
	return prestashoptest.NativeOrder(id, s.Number, state, s.CreatedAt, s.UpdatedAt, nil, lines)
}

func (h *harness) AddOrder(t *testing.T, s platformtest.Spec) {
	_, err := h.srv.PutOrder(h.native(t, s))
	require.NoError(t, err)
}

func (h *harness) AddCorruptOrder(t *testing.T, s platformtest.Spec) {
	raw := h.native(t, s)
	raw = bytes.Replace(raw, []byte(`"product_quantity":"`+strconv.FormatInt(s.Lines[0].Quantity, 10)+`"`),
		[]byte(`"product_quantity":`+strconv.FormatInt(s.Lines[0].Quantity, 10)), 1)
	_, err := h.srv.PutOrder(raw)
	require.NoError(t, err)
}

func (h *harness) Webhook(t *testing.T, url, orderID string) *http.Request {
	return h.SignedBody(t, url, []byte(`{"id_order":`+orderID+`}`))
}

func (h *harness) SignedBody(t *testing.T, url string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	r.Header.Set(prestashop.HeaderSignature, base64.StdEncoding.EncodeToString(prestashop.Sign(testSecret, body)))
	return r
}

func (h *harness) Unsigned(r *http.Request) *http.Request {
	r.Header.Del(prestashop.HeaderSignature)
	return r
}

func (h *harness) WrongSignature(r *http.Request) *http.Request {
	sig := r.Header.Get(prestashop.HeaderSignature)
	r.Header.Set(prestashop.HeaderSignature, strings.ToLower(sig[:4])+"AAAA"+sig[8:])
	return r
}

// TestConformance runs rosync's conformance suite (PRS-1 window edges and
// excluded states, PRS-2 UpdatedSince, PRS-3 webhooks, PRS-4 no status
// sync).
func TestConformance(t *testing.T) {
	platformtest.Run(t, func(t *testing.T) platformtest.Harness { return newHarness(t) }, platformtest.Features{StatusSync: false})
}
