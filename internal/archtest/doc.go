// Package archtest guards the module's dependency rules (DESIGN.md,
// docs/architecture.md): its test reads the import clauses of every Go
// file in the module and fails when a package imports what a rule forbids
// it. The rules are a table in archtest_test.go; add one row per rule.
package archtest
