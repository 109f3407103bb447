// Module tools pins the lint tools of rosync apart from the library's own
// go.mod, so that an embedder's `go list -m all` holds only what rosync
// needs. Run them from the repository root with
// `go tool -modfile=tools/go.mod staticcheck ./...`.
module github.com/rosync/rosync/tools

go 1.26.0

tool honnef.co/go/tools/cmd/staticcheck

require (
	github.com/BurntSushi/toml v1.4.1-0.20240526193622-a339e1f7089c // indirect
	golang.org/x/exp/typeparams v0.0.0-20231108232855-2478ac86f678 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
	honnef.co/go/tools v0.8.2 // indirect
)
