package cartum_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/cartum"
)

// fullOrder exercises every mapped field: a per-language title, a string
// and a number price, a repeated article, a local time near midnight, a
// three-word name.
const fullOrder = `{
 "order_id": 1042,
 "user": {"id": 7, "email": "ivan@example.com"},
 "delivery_name": "Ivan Petrovych Franko",
 "delivery_email": "Ivan@Example.com",
 "delivery_phone": "067 123 45 67",
 "delivery_city": "Lviv",
 "delivery_city_stable": "Lviv (stable)",
 "delivery_address": "Svobody Ave 1, apt 5",
 "delivery_type": {"id": 2, "title": "Nova Poshta courier"},
 "delivery_price": "85.50",
 "delivery_data": {"branch": 12},
 "stat_status": 2,
 "stat_created": "2026-11-28 00:10:00",
 "comment": "call first",
 "products": [
  {"article": "PHX-128", "title": {"ua": "Телефон X", "en": "Phone X"}, "quantity": 1, "price": 12999},
  {"article": "CBL-USBC", "title": "USB-C cable", "quantity": 2, "price": "199.00"},
  {"article": "CBL-USBC", "title": "USB-C cable (gift)", "quantity": 1, "price": 0},
  {"article": "", "title": "Gift wrap", "quantity": 1, "price": 25.5}
 ],
 "analytics": {}, "customer_details": {}
}`

func TestDecodeOrder(t *testing.T) {
	e := setup(t, func(o *cartum.Options) { o.Language = "en" })
	e.addOrders(t, fullOrder)
	got, err := e.p.Order(context.Background(), "1042")
	require.NoError(t, err)
	created := time.Date(2026, 11, 27, 22, 10, 0, 0, time.UTC) // 00:10 in Kyiv (UTC+2) is the day before in UTC
	want := rosync.Order{
		Platform:  "cartum",
		ID:        "1042",
		Number:    "1042",
		Status:    "2",
		Currency:  "UAH",
		CreatedAt: created,
		UpdatedAt: created,
		Customer: &rosync.Customer{
			FirstName: "Ivan", LastName: "Petrovych Franko",
			Phone: "067 123 45 67", Email: "Ivan@Example.com",
		},
		Lines: []rosync.LineItem{
			{ID: "PHX-128", Quantity: 1, Price: decimal.RequireFromString("12999"),
				Product: rosync.Product{ID: "PHX-128", SKU: "PHX-128", Name: "Phone X"}},
			{ID: "CBL-USBC", Quantity: 2, Price: decimal.RequireFromString("199.00"),
				Product: rosync.Product{ID: "CBL-USBC", SKU: "CBL-USBC", Name: "USB-C cable"}},
			{ID: "CBL-USBC#2", Quantity: 1, Price: decimal.RequireFromString("0"),
				Product: rosync.Product{ID: "CBL-USBC", SKU: "CBL-USBC", Name: "USB-C cable (gift)"}},
			{ID: "title:Gift wrap", Quantity: 1, Price: decimal.RequireFromString("25.5"),
				Product: rosync.Product{Name: "Gift wrap"}},
		},
		Total: decimal.RequireFromString("13422.50"),
		Delivery: &rosync.Delivery{ // DEL-1: service, fee, city + address
			Service: "Nova Poshta courier",
			Fee:     decimal.RequireFromString("85.50"),
			Address: "Lviv, Svobody Ave 1, apt 5",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded order (-want +got):\n%s", diff)
	}
}

func TestDecodeOrder_LanguageFallsBackToFirst(t *testing.T) {
	e := setup(t, nil) // no Language: the first key as sent
	e.addOrders(t, fullOrder)
	got, err := e.p.Order(context.Background(), "1042")
	require.NoError(t, err)
	require.Equal(t, "Телефон X", got.Lines[0].Product.Name)
}

func TestDecodeOrder_MinimalOrder(t *testing.T) {
	e := setup(t, nil)
	e.addOrders(t, `{"order_id": 5, "stat_status": 1, "stat_created": "2026-11-01 10:00:00"}`)
	got, err := e.p.Order(context.Background(), "5")
	require.NoError(t, err)
	require.Nil(t, got.Customer, "no delivery_* fields: no customer")
	require.Nil(t, got.Delivery, "no delivery details: no comment (DEL-1)")
	require.Empty(t, got.Lines)
	require.Equal(t, time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC), got.CreatedAt) // EET, UTC+2
}

func TestDecodeOrder_OrderCurrencyWins(t *testing.T) {
	e := setup(t, nil)
	e.addOrders(t, `{"order_id": 6, "stat_status": 1, "stat_created": "2026-11-01 10:00:00", "currency": "usd"}`)
	got, err := e.p.Order(context.Background(), "6")
	require.NoError(t, err)
	require.Equal(t, "USD", got.Currency, "an order's own currency is kept, so that ORD-4 can reject it")
}

func TestOrder_NotFound(t *testing.T) {
	e := setup(t, nil)
	for _, id := range []string{"999", "abc", "-1", ""} {
		_, err := e.p.Order(context.Background(), id)
		require.ErrorIs(t, err, rosync.ErrNotFound, "id %q", id)
	}
}

func TestDecodeOrder_InvalidThroughAPI(t *testing.T) {
	e := setup(t, nil)
	e.addOrders(t, `{"order_id": 7, "stat_status": 1, "stat_created": "2026-11-01 10:00:00",
		"products": [{"article": "A", "title": "A", "quantity": 1, "price": "10.005"}]}`)
	_, err := e.p.Order(context.Background(), "7")
	var inv *rosync.InvalidOrderError
	require.True(t, errors.As(err, &inv), "got %v", err)
	require.Equal(t, "7", inv.OrderID)
	require.Equal(t, "products[0].price", inv.Field) // ENG-5: never rounded
}
