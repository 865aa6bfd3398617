// Package ledger holds the values of the users' ledger: Money, exact
// decimal amounts (balances, rates, Jasmin's float quotas), and Counters, a
// user's balance and sms_count.
//
// The ledger has one owner per half: package router holds the billing
// rules (what a message costs, what is taken at submit and what on
// submit_sm_resp, what unlimited means), package store keeps the numbers,
// durable with the messages that change them. Both speak in these types,
// and this package imports nothing of gwd so that neither has to import
// the other: router does no I/O, and the store knows no routing.
package ledger
