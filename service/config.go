package service

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
)

// Config is the service's configuration file (see rosync.example.yaml and
// README.md). Secrets may come from the environment instead (ApplyEnv).
type Config struct {
	// Listen is the HTTP address of webhooks, health and metrics.
	Listen string `yaml:"listen"`
	// HTTP bounds what one client may hold of the HTTP server.
	HTTP HTTPConfig `yaml:"http"`
	// PollInterval is the time between reconciliation polls of each shop.
	PollInterval Duration     `yaml:"poll_interval"`
	ROApp        ROAppConfig  `yaml:"roapp"`
	Store        StoreConfig  `yaml:"store"`
	Shops        []ShopConfig `yaml:"shops"`
	// Admin guards the operators' routes under /admin/ (see admin.go).
	Admin AdminConfig `yaml:"admin"`
}

// AdminConfig is the operators' access to the admin routes: the JSON API
// under /admin/api/, the status page at /admin/ and whatever an embedder
// mounts there (ServiceOptions.AdminRoutes).
type AdminConfig struct {
	// Token is the secret an operator presents, as "Authorization: Bearer
	// <token>" or as the password of HTTP Basic authentication (any user
	// name: the browser's login prompt). Empty (and no ROSYNC_ADMIN_TOKEN):
	// the admin routes are not mounted at all, and the service warns at
	// start. At least MinAdminTokenLength characters.
	Token string `yaml:"token"`
}

// MinAdminTokenLength is the shortest admin.token accepted.
const MinAdminTokenLength = 16

// ROAppConfig is the RO App account, shared by every shop.
type ROAppConfig struct {
	APIKey            string  `yaml:"api_key"`
	BaseURL           string  `yaml:"base_url"`
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	BranchID          int64   `yaml:"branch_id"`
	OrderTypeID       int64   `yaml:"order_type_id"`
	// ExternalRefField is the id of an order custom field that carries
	// the external reference ("f5294178"); "" keeps it in the notes only.
	ExternalRefField string `yaml:"external_ref_field"`
	WebhookSecret    string `yaml:"webhook_secret"`
	// AssigneeID is the RO App employee the imported products are
	// assigned to: RO App requires one on every order item
	// (rosync.Settings.AssigneeID; ids from GET /company/employees).
	AssigneeID int64 `yaml:"assignee_id"`
	// UOMID is roapp.Options.UOMID: the unit of measure of created
	// products; 0 looks "piece" up by title.
	UOMID int64 `yaml:"uom_id"`
	// Paths is roapp.Options.Paths, keyed by endpoint name
	// ("create_product": "/warehouse/goods"), for UNVERIFIED endpoints an
	// account serves elsewhere.
	Paths map[string]string `yaml:"paths"`
	// DeductionFields is roapp.Options.DeductionFields: item fields that
	// say the item is written off (none by default).
	DeductionFields []string `yaml:"deduction_fields"`
	// DeductionStatuses and IgnoreClosedGroups are
	// rosync.Settings.Deduction: RO App status names that mean the goods
	// are written off, and whether closed-group statuses do not.
	DeductionStatuses  []string `yaml:"deduction_statuses"`
	IgnoreClosedGroups bool     `yaml:"ignore_closed_groups"`
}

// ClientOptions are the roapp.Options the configuration sets.
func (r ROAppConfig) ClientOptions() roapp.Options {
	o := roapp.Options{BaseURL: r.BaseURL, RequestsPerSecond: r.RequestsPerSecond,
		ExternalRefField: r.ExternalRefField, UOMID: r.UOMID, DeductionFields: r.DeductionFields}
	if len(r.Paths) > 0 {
		o.Paths = map[roapp.Endpoint]string{}
		for k, v := range r.Paths {
			o.Paths[roapp.Endpoint(k)] = v
		}
	}
	return o
}

// StoreConfig chooses the Store: PostgreSQL when PostgresDSN is set,
// otherwise SQLite at SQLitePath.
type StoreConfig struct {
	SQLitePath  string `yaml:"sqlite_path"`
	PostgresDSN string `yaml:"postgres_dsn"`
}

// ShopConfig is one shop.
type ShopConfig struct {
	Name     string `yaml:"name"`
	Platform string `yaml:"platform"`
	URL      string `yaml:"url"`
	// Credentials: WooCommerce Key/Secret, Shopify Token, Cartum
	// Login/Password.
	Key           string `yaml:"key"`
	Secret        string `yaml:"secret"`
	Token         string `yaml:"token"`
	Login         string `yaml:"login"`
	Password      string `yaml:"password"`
	WebhookSecret string `yaml:"webhook_secret"`

	IdentifyProductsBy string            `yaml:"identify_products_by"`
	DefaultRegion      string            `yaml:"default_region"`
	StatusMap          map[string]string `yaml:"status_map"`
	// DuplicateStatus is rosync.Settings.DuplicateStatus: the RO App
	// status a duplicate RO App order is moved to once found.
	DuplicateStatus string `yaml:"duplicate_status"`
	Timezone        string `yaml:"timezone"`
	Currency        string `yaml:"currency"`
	// BranchID and OrderTypeID override the RO App defaults for this shop.
	BranchID    int64 `yaml:"branch_id"`
	OrderTypeID int64 `yaml:"order_type_id"`
	// WarmIndex is rosync.Options.WarmIndex: fewer calls for a large first
	// import, at the risk it documents.
	WarmIndex bool `yaml:"warm_index"`
	// PagedImport (Shopify) reads the initial import page by page instead
	// of through one bulk operation (shopify.Options.PagedImport).
	PagedImport bool `yaml:"paged_import"`
}

// Duration is a time.Duration written as "5m", "30s".
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 5m or 30s", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// Defaults of the configuration.
const (
	DefaultListen       = ":8080"
	DefaultPollInterval = 5 * time.Minute
	DefaultSQLitePath   = "rosync.db"
)

// LoadConfig reads a configuration file strictly (an unknown key is an
// error), applies the environment's secrets and the defaults, and
// validates it.
func LoadConfig(r io.Reader, getenv func(string) string) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	var c Config
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: %w", err)
	}
	// Unknown keys are reported by their key path with the nearest known
	// key; the strict decode below stays as a backstop.
	if errs := unknownKeys(&doc, reflect.TypeFor[Config]()); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.ApplyEnv(getenv)
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// LoadConfigFile is LoadConfig on a file, with os.Getenv.
func LoadConfigFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return LoadConfig(f, os.Getenv)
}

// EnvName is the environment variable of a shop's secret: ROSYNC_SHOP_<NAME>_<KEY>,
// the name upper-cased with every other character than A-Z and 0-9 as '_'.
func EnvName(shop, key string) string {
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

// ApplyEnv overrides secrets with the environment's non-empty values:
// ROSYNC_ROAPP_API_KEY, ROSYNC_ROAPP_WEBHOOK_SECRET, ROSYNC_ADMIN_TOKEN and, per shop,
// ROSYNC_SHOP_<NAME>_{KEY,SECRET,TOKEN,LOGIN,PASSWORD,WEBHOOK_SECRET}.
func (c *Config) ApplyEnv(getenv func(string) string) {
	if getenv == nil {
		return
	}
	set := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	set(&c.ROApp.APIKey, "ROSYNC_ROAPP_API_KEY")
	set(&c.ROApp.WebhookSecret, "ROSYNC_ROAPP_WEBHOOK_SECRET")
	set(&c.Admin.Token, "ROSYNC_ADMIN_TOKEN")
	for i := range c.Shops {
		s := &c.Shops[i]
		set(&s.Key, EnvName(s.Name, "KEY"))
		set(&s.Secret, EnvName(s.Name, "SECRET"))
		set(&s.Token, EnvName(s.Name, "TOKEN"))
		set(&s.Login, EnvName(s.Name, "LOGIN"))
		set(&s.Password, EnvName(s.Name, "PASSWORD"))
		set(&s.WebhookSecret, EnvName(s.Name, "WEBHOOK_SECRET"))
	}
}

func (c *Config) applyDefaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.PollInterval == 0 {
		c.PollInterval = Duration(DefaultPollInterval)
	}
	c.HTTP.applyDefaults()
	if c.Store.SQLitePath == "" && c.Store.PostgresDSN == "" {
		c.Store.SQLitePath = DefaultSQLitePath
	}
}

// Validate reports every problem of the configuration at once, each with
// the key path it concerns (shops.main.default_region: a shop by its name,
// or shops[1] when it has none or shares it). It never quotes a secret.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.ROApp.APIKey == "" {
		bad("roapp.api_key", "missing (set it or ROSYNC_ROAPP_API_KEY)")
	}
	if c.ROApp.RequestsPerSecond < 0 {
		bad("roapp.requests_per_second", "must not be negative")
	}
	if c.ROApp.BaseURL != "" && !isHTTPURL(c.ROApp.BaseURL) {
		bad("roapp.base_url", "must be an absolute http(s) URL")
	}
	if time.Duration(c.PollInterval) < time.Second {
		bad("poll_interval", "must be at least 1s")
	}
	for key, d := range map[string]Duration{
		"http.read_header_timeout": c.HTTP.ReadHeaderTimeout, "http.read_timeout": c.HTTP.ReadTimeout,
		"http.write_timeout": c.HTTP.WriteTimeout, "http.idle_timeout": c.HTTP.IdleTimeout,
	} {
		if d < 0 {
			bad(key, "must not be negative")
		}
	}
	if c.Admin.Token != "" && len(c.Admin.Token) < MinAdminTokenLength {
		bad("admin.token", "shorter than %d characters (set it or ROSYNC_ADMIN_TOKEN)", MinAdminTokenLength)
	}
	if c.HTTP.MaxConnections < 0 {
		bad("http.max_connections", "must not be negative")
	}
	if c.Store.SQLitePath != "" && c.Store.PostgresDSN != "" {
		bad("store", "set sqlite_path or postgres_dsn, not both")
	}
	if len(c.Shops) == 0 {
		bad("shops", "at least one shop is needed")
	}
	names := map[string]bool{}
	envs := map[string]string{}
	for i, s := range c.Shops {
		at := shopPath(c.Shops, i)
		switch {
		case s.Name == "":
			bad(at+".name", "missing")
		case s.Name == "roapp":
			bad(at+".name", `"roapp" is taken by RO App's webhook path`)
		case strings.ContainsAny(s.Name, ":/ ") || s.Name != strings.TrimSpace(s.Name):
			bad(at+".name", "must not contain ':', '/' or spaces")
		case names[s.Name]:
			bad(at+".name", "duplicate shop name")
		}
		names[s.Name] = true
		env := EnvName(s.Name, "")
		if prev, dup := envs[env]; dup && prev != s.Name && s.Name != "" {
			bad(at+".name", "its environment prefix %s is also %q's", env, prev)
		}
		envs[env] = s.Name
		need := func(key, val, envKey string) {
			if val == "" {
				bad(at+"."+key, "missing (set it or %s)", EnvName(s.Name, envKey))
			}
		}
		pb, known := platformBuilders[s.Platform]
		switch {
		case s.Platform == "":
			bad(at+".platform", "missing (%s)", platformList())
		case !known:
			bad(at+".platform", "%q is not %s", s.Platform, platformList())
		default:
			pb.Check(s, need, func(key, format string, args ...any) { bad(at+"."+key, format, args...) })
		}
		if s.URL == "" {
			bad(at+".url", "missing")
		} else if !pb.DomainURL && !isHTTPURL(s.URL) {
			bad(at+".url", "must be an absolute http(s) URL")
		}
		switch rosync.IdentifyBy(s.IdentifyProductsBy) {
		case "", rosync.IdentifyByName, rosync.IdentifyBySKU, rosync.IdentifyByID:
		default:
			bad(at+".identify_products_by", "%q is not name, sku or id", s.IdentifyProductsBy)
		}
		if s.Timezone != "" {
			if _, err := time.LoadLocation(s.Timezone); err != nil {
				bad(at+".timezone", "%q is not an IANA timezone", s.Timezone)
			}
		}
		if s.DefaultRegion != "" && len(s.DefaultRegion) != 2 {
			bad(at+".default_region", "%q is not a two-letter region such as UA", s.DefaultRegion)
		}
		if s.branch(c.ROApp) <= 0 {
			bad(at+".branch_id", "missing (here or roapp.branch_id)")
		}
		if s.orderType(c.ROApp) <= 0 {
			bad(at+".order_type_id", "missing (here or roapp.order_type_id)")
		}
	}
	if c.ROApp.AssigneeID <= 0 {
		bad("roapp.assignee_id", "missing: the id of the RO App employee imported products are assigned to (RO App requires one per item)")
	}
	for k := range c.ROApp.Paths {
		if roapp.Endpoint(k).Method() == "" {
			bad("roapp.paths."+k, "not an endpoint name (see roapp.Endpoints)")
		}
	}
	return errors.Join(errs...)
}

func (s ShopConfig) branch(ro ROAppConfig) int64 {
	if s.BranchID != 0 {
		return s.BranchID
	}
	return ro.BranchID
}

func (s ShopConfig) orderType(ro ROAppConfig) int64 {
	if s.OrderTypeID != 0 {
		return s.OrderTypeID
	}
	return ro.OrderTypeID
}

// Settings are the shop's rosync.Settings.
func (s ShopConfig) Settings(ro ROAppConfig) rosync.Settings {
	return rosync.Settings{
		IdentifyProductsBy: rosync.IdentifyBy(s.IdentifyProductsBy), DefaultRegion: s.DefaultRegion,
		BranchID: s.branch(ro), OrderTypeID: s.orderType(ro), StatusMap: s.StatusMap,
		AssigneeID: ro.AssigneeID, DuplicateStatus: s.DuplicateStatus,
		Deduction: rosync.DeductionSignal{Statuses: ro.DeductionStatuses, IgnoreClosedGroups: ro.IgnoreClosedGroups},
	}
}

func isHTTPURL(s string) bool {
	return (strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) && len(s) > len("https://")
}
