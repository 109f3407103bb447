package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/cartum"
	"github.com/rosync/rosync/platforms/shopify"
	"github.com/rosync/rosync/platforms/woocommerce"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/doctor"
)

// fileConfig is the part of the service's configuration file
// (examples/server/rosync.example.yaml) the doctor reads. The file is read
// leniently: keys the doctor does not use (listen, store, …) are ignored,
// so one file serves both.
type fileConfig struct {
	ROApp struct {
		APIKey            string            `yaml:"api_key"`
		BaseURL           string            `yaml:"base_url"`
		RequestsPerSecond float64           `yaml:"requests_per_second"`
		BranchID          int64             `yaml:"branch_id"`
		OrderTypeID       int64             `yaml:"order_type_id"`
		ExternalRefField  string            `yaml:"external_ref_field"`
		AssigneeID        int64             `yaml:"assignee_id"`
		UOMID             int64             `yaml:"uom_id"`
		Paths             map[string]string `yaml:"paths"`
		DeductionFields   []string          `yaml:"deduction_fields"`
		// DeductionStatuses and IgnoreClosedGroups are
		// rosync.Settings.Deduction.
		DeductionStatuses  []string `yaml:"deduction_statuses"`
		IgnoreClosedGroups bool     `yaml:"ignore_closed_groups"`
	} `yaml:"roapp"`
	Shops []shopConfig `yaml:"shops"`
}

// shopConfig is one shop of the configuration file.
type shopConfig struct {
	Name          string            `yaml:"name"`
	Platform      string            `yaml:"platform"`
	URL           string            `yaml:"url"`
	Key           string            `yaml:"key"`
	Secret        string            `yaml:"secret"`
	Token         string            `yaml:"token"`
	Login         string            `yaml:"login"`
	Password      string            `yaml:"password"`
	StatusMap     map[string]string `yaml:"status_map"`
	Timezone      string            `yaml:"timezone"`
	Currency      string            `yaml:"currency"`
	BranchID      int64             `yaml:"branch_id"`
	OrderTypeID   int64             `yaml:"order_type_id"`
	DefaultRegion string            `yaml:"default_region"`
}

// envName is the environment variable of a shop's secret, as the service
// names it: ROSYNC_SHOP_<NAME>_<KEY>, the name upper-cased with every
// character other than A-Z and 0-9 as '_'.
func envName(shop, key string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(shop) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return "ROSYNC_SHOP_" + b.String() + "_" + key
}

// loadConfig reads the configuration file and applies the environment's
// secrets as the service does.
func loadConfig(path string, getenv func(string) string) (*fileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c fileConfig
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	set := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	set(&c.ROApp.APIKey, "ROSYNC_ROAPP_API_KEY")
	for i := range c.Shops {
		s := &c.Shops[i]
		set(&s.Key, envName(s.Name, "KEY"))
		set(&s.Secret, envName(s.Name, "SECRET"))
		set(&s.Token, envName(s.Name, "TOKEN"))
		set(&s.Login, envName(s.Name, "LOGIN"))
		set(&s.Password, envName(s.Name, "PASSWORD"))
	}
	for k := range c.ROApp.Paths {
		if roapp.Endpoint(k).Method() == "" {
			return nil, fmt.Errorf("config: roapp.paths.%s: not an endpoint name (see roapp.Endpoints)", k)
		}
	}
	return &c, nil
}

// platform builds a shop's adapter as the service does.
func (s shopConfig) platform() (doctor.ShopInfoer, error) {
	hc := &http.Client{Timeout: 60 * time.Second}
	switch s.Platform {
	case "woocommerce":
		return woocommerce.New(s.URL, woocommerce.Credentials{Key: s.Key, Secret: s.Secret}, &woocommerce.Options{HTTPClient: hc})
	case "shopify":
		return shopify.New(s.URL, shopify.Credentials{AccessToken: s.Token}, &shopify.Options{HTTPClient: hc})
	case "cartum":
		return cartum.New(s.URL, cartum.Credentials{Login: s.Login, Password: s.Password},
			&cartum.Options{HTTPClient: hc, Currency: s.Currency, Timezone: s.Timezone})
	}
	return nil, fmt.Errorf("unknown platform %q (woocommerce, shopify or cartum)", s.Platform)
}

// doctorConfig turns the file into the doctor's configuration; with
// contactShops false the shops' currencies are not read.
func (c *fileConfig) doctorConfig(contactShops bool) (doctor.Config, error) {
	r := c.ROApp
	cfg := doctor.Config{
		APIKey: r.APIKey,
		Client: roapp.Options{BaseURL: r.BaseURL, RequestsPerSecond: r.RequestsPerSecond,
			ExternalRefField: r.ExternalRefField, UOMID: r.UOMID, DeductionFields: r.DeductionFields},
		AssigneeID:  r.AssigneeID,
		Deduction:   rosync.DeductionSignal{Statuses: r.DeductionStatuses, IgnoreClosedGroups: r.IgnoreClosedGroups},
		BranchID:    r.BranchID,
		OrderTypeID: r.OrderTypeID,
	}
	if len(r.Paths) > 0 {
		cfg.Client.Paths = map[roapp.Endpoint]string{}
		for k, v := range r.Paths {
			cfg.Client.Paths[roapp.Endpoint(k)] = v
		}
	}
	for _, s := range c.Shops {
		sh := doctor.Shop{Name: s.Name, Settings: rosync.Settings{BranchID: s.BranchID, OrderTypeID: s.OrderTypeID,
			StatusMap: s.StatusMap, AssigneeID: r.AssigneeID, DefaultRegion: s.DefaultRegion}}
		if sh.Settings.BranchID == 0 {
			sh.Settings.BranchID = r.BranchID
		}
		if sh.Settings.OrderTypeID == 0 {
			sh.Settings.OrderTypeID = r.OrderTypeID
		}
		if contactShops {
			p, err := s.platform()
			if err != nil {
				return doctor.Config{}, fmt.Errorf("shop %s: %w", s.Name, err)
			}
			sh.Info = p
		}
		cfg.Shops = append(cfg.Shops, sh)
	}
	return cfg, nil
}
