// Package datasets is rolemine's store: the embedded DuckDB database that
// holds every snapshot of entitlement data, the loaders that bring source
// files into it, and the Arrow bridge that streams data out to the pure-Go
// stages (features, mining, eval).
//
// This is the only package besides cmd that uses cgo (the DuckDB driver); it
// needs the build tag duckdb_arrow for the driver's Arrow interface.
//
// Snapshots. Every ingest creates one snapshot: an id, a time, and each
// source file with its sha256 and row counts. Every stored row carries the
// snapshot_id that loaded it. The views current_<table> give the data later
// stages work on: for a state table (schema.State) the rows of the newest
// snapshot that loaded it; for an events table (schema.Events) the newest
// version of every key ever loaded.
//
// Loads are transactional: an ingest either commits every file it was given
// or leaves the database exactly as it was. Rows that fail validation are
// set aside in the rejects table with file, line, column and reason, up to
// IngestOptions.MaxErrors; one more fails the whole load with an error that
// names the file and line.
//
// Delimited text (FormatCSV, FormatTSV) is read in one fixed dialect,
// decided before the file is read and never sniffed from a sample: header
// on the first line (a UTF-8 byte order mark dropped), delimiter by format,
// '"' quotes with '""' inside a quoted field, every column as text, an empty
// field NULL. A line that does not parse under it is a reject or an error
// naming the file and line, never a different value; broken quoting always
// fails the load, whatever MaxErrors, because no reader can tell where the
// broken field ends.
//
// A Store must be closed with Close. Readers passed to the callback of
// Store.Arrow are valid only inside the callback.
package datasets
