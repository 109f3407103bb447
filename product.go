package rosync

import (
	"fmt"
	"strings"
)

// IdentifyBy is the shop's "identify products by" setting (PRD-2).
type IdentifyBy string

// The identify-by keys. Which ones a platform offers is in Policy.IdentifyBy.
const (
	IdentifyByName IdentifyBy = "name" // RO App product title
	IdentifyBySKU  IdentifyBy = "sku"  // RO App product SKU (article)
	IdentifyByID   IdentifyBy = "id"   // platform product id, RO App product Code
)

// UOMPiece is the unit of measure of every imported product (PRD-4).
const UOMPiece = "piece"

// Product is a platform product as an order line names it.
type Product struct {
	// ID is the platform's product id (for a variation, the variation's id);
	// it goes to the RO App Code field (SHO-P1, WOO-P1).
	ID          string
	SKU         string
	Name        string
	Description string
	// Category is the chosen category as a path from the top level down to
	// it ("Electronics", "Phones", "Smartphones"); the last element is the
	// product's category (PRD-5, WOO-P2..P4). Nil for no category.
	Category []string
}

// Key returns the identity value of p for the identify-by setting and the
// key actually used. When the chosen field is empty it falls back, in order,
// to SKU, ID and name, so that a product without a SKU is still matched
// consistently rather than created on every order.
func (p Product) Key(by IdentifyBy) (IdentifyBy, string, error) {
	order := []IdentifyBy{by, IdentifyBySKU, IdentifyByID, IdentifyByName}
	for _, k := range order {
		if v := p.field(k); v != "" {
			return k, v, nil
		}
	}
	return "", "", fmt.Errorf("product has no name, SKU or id")
}

func (p Product) field(by IdentifyBy) string {
	switch by {
	case IdentifyBySKU:
		return strings.TrimSpace(p.SKU)
	case IdentifyByID:
		return strings.TrimSpace(p.ID)
	case IdentifyByName:
		return strings.TrimSpace(p.Name)
	}
	return ""
}

// ROProduct is an RO App catalogue product.
type ROProduct struct {
	ID          int64
	Title       string
	Description string
	SKU         string
	Code        string
	CategoryID  int64 // 0 for none
	UOM         string
}

// ROCategory is an RO App catalogue category.
type ROCategory struct {
	ID       int64
	Title    string
	ParentID int64 // 0 for a top-level category
}

// roProductFor maps a platform product to the RO App catalogue fields
// (PRD-3: name, description, SKU, Code; PRD-4: unit piece).
func roProductFor(p Product, categoryID int64) ROProduct {
	return ROProduct{
		Title:       strings.TrimSpace(p.Name),
		Description: p.Description,
		SKU:         strings.TrimSpace(p.SKU),
		Code:        strings.TrimSpace(p.ID),
		CategoryID:  categoryID,
		UOM:         UOMPiece,
	}
}
