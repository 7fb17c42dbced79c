package main

import (
	"context"
	"errors"
	"fmt"

	"rolemine/datasets"
)

// How commands open the database. Only ingest and run create it (with
// datasets.Open); every other command needs one already loaded and goes
// through openExisting or openReadOnly, so that a mistyped --db is refused,
// naming the path, instead of quietly creating an empty database.

// opener is openExisting or openReadOnly.
type opener func(ctx context.Context, cmd, db string) (*datasets.Store, error)

// openExisting opens the database at db for a command that writes results
// to it.
func openExisting(ctx context.Context, cmd, db string) (*datasets.Store, error) {
	store, err := datasets.OpenExisting(ctx, db)
	return store, noDatabase(cmd, err)
}

// openReadOnly opens the database at db for a command that only reads it:
// nothing it runs can change the database or touch another file (see
// datasets.OpenReadOnly).
func openReadOnly(ctx context.Context, cmd, db string) (*datasets.Store, error) {
	store, err := datasets.OpenReadOnly(ctx, db)
	return store, noDatabase(cmd, err)
}

// noDatabase says what to do about a database that does not exist.
func noDatabase(cmd string, err error) error {
	var nd *datasets.NoDatabaseError
	if errors.As(err, &nd) {
		return fmt.Errorf("%s: %v (run rolemine ingest or rolemine run first)", cmd, err)
	}
	return err
}
