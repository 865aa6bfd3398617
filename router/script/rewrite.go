package script

import (
	"strconv"

	"go.starlark.net/syntax"
)

// rewrite routes the operations of a parsed script that can build large
// values through the checked builtins of alloc.go:
//
//	x + y, x * y, x % y, x | y, x << y  ->  _gwd_binop("+", x, y) …
//	x += y (and *= %= |= <<=)           ->  x += _gwd_aug("+", x, y)
//	x.join (and the other checked methods, called or not)
//	                                    ->  _gwd_attr(x, "join")
//	x[a:b], x[a:b:c]                    ->  _gwd_slice(x[a:b], 0), _gwd_slice(x[a:b:c], 1)
//
// The target of an augmented assignment is evaluated twice (once as the
// guard's argument): a call inside its index expression runs twice.
// Everything else keeps its meaning, its order of evaluation and its
// position for error messages.
func rewrite(f *syntax.File) {
	f.Stmts = rewriteStmts(f.Stmts)
}

func rewriteStmts(ss []syntax.Stmt) []syntax.Stmt {
	for i, s := range ss {
		ss[i] = rewriteStmt(s)
	}
	return ss
}

func rewriteStmt(s syntax.Stmt) syntax.Stmt {
	switch s := s.(type) {
	case *syntax.AssignStmt:
		if op, ok := augTokens[s.Op]; ok {
			s.LHS = rewriteTarget(s.LHS)
			s.RHS = call(s.RHS, "_gwd_aug", opLiteral(op, s.OpPos), loadCopy(s.LHS), rewriteExpr(s.RHS))
			return s
		}
		s.LHS = rewriteTarget(s.LHS)
		s.RHS = rewriteExpr(s.RHS)
	case *syntax.DefStmt:
		s.Params = rewriteParams(s.Params)
		s.Body = rewriteStmts(s.Body)
	case *syntax.ExprStmt:
		s.X = rewriteExpr(s.X)
	case *syntax.ForStmt:
		s.Vars = rewriteTarget(s.Vars)
		s.X = rewriteExpr(s.X)
		s.Body = rewriteStmts(s.Body)
	case *syntax.WhileStmt:
		s.Cond = rewriteExpr(s.Cond)
		s.Body = rewriteStmts(s.Body)
	case *syntax.IfStmt:
		s.Cond = rewriteExpr(s.Cond)
		s.True = rewriteStmts(s.True)
		s.False = rewriteStmts(s.False)
	case *syntax.ReturnStmt:
		if s.Result != nil {
			s.Result = rewriteExpr(s.Result)
		}
	}
	return s
}

// rewriteParams rewrites the default values of a def's or lambda's
// parameters (name=default), not the names.
func rewriteParams(ps []syntax.Expr) []syntax.Expr {
	for _, p := range ps {
		if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			b.Y = rewriteExpr(b.Y)
		}
	}
	return ps
}

// rewriteTarget rewrites the expressions inside an assignment target
// (an index, the object of a field) but not the target itself.
func rewriteTarget(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case *syntax.TupleExpr:
		for i, x := range e.List {
			e.List[i] = rewriteTarget(x)
		}
	case *syntax.ListExpr:
		for i, x := range e.List {
			e.List[i] = rewriteTarget(x)
		}
	case *syntax.ParenExpr:
		e.X = rewriteTarget(e.X)
	case *syntax.IndexExpr:
		e.X = rewriteExpr(e.X)
		e.Y = rewriteExpr(e.Y)
	case *syntax.DotExpr:
		e.X = rewriteExpr(e.X)
	}
	return e
}

func rewriteExpr(e syntax.Expr) syntax.Expr {
	if e == nil {
		return nil
	}
	switch e := e.(type) {
	case *syntax.BinaryExpr:
		e.X = rewriteExpr(e.X)
		e.Y = rewriteExpr(e.Y)
		switch e.Op {
		case syntax.PLUS, syntax.STAR, syntax.PERCENT, syntax.PIPE, syntax.LTLT:
			return call(e, "_gwd_binop", opLiteral(e.Op, e.OpPos), e.X, e.Y)
		}
	case *syntax.CallExpr:
		e.Fn = rewriteExpr(e.Fn)
		for i, a := range e.Args {
			switch a := a.(type) {
			case *syntax.BinaryExpr:
				if a.Op == syntax.EQ { // name=value
					a.Y = rewriteExpr(a.Y)
					continue
				}
			case *syntax.UnaryExpr:
				if a.Op == syntax.STAR || a.Op == syntax.STARSTAR {
					a.X = rewriteExpr(a.X)
					continue
				}
			}
			e.Args[i] = rewriteExpr(a)
		}
	case *syntax.Comprehension:
		e.Body = rewriteExpr(e.Body)
		for _, c := range e.Clauses {
			switch c := c.(type) {
			case *syntax.ForClause:
				c.Vars = rewriteTarget(c.Vars)
				c.X = rewriteExpr(c.X)
			case *syntax.IfClause:
				c.Cond = rewriteExpr(c.Cond)
			}
		}
	case *syntax.CondExpr:
		e.Cond = rewriteExpr(e.Cond)
		e.True = rewriteExpr(e.True)
		e.False = rewriteExpr(e.False)
	case *syntax.DictEntry:
		e.Key = rewriteExpr(e.Key)
		e.Value = rewriteExpr(e.Value)
	case *syntax.DictExpr:
		for i, x := range e.List {
			e.List[i] = rewriteExpr(x)
		}
	case *syntax.DotExpr:
		e.X = rewriteExpr(e.X)
		if _, ok := checkedMethods[e.Name.Name]; ok {
			return call(e, "_gwd_attr", e.X, strLiteral(e.Name.Name, e.NamePos))
		}
	case *syntax.IndexExpr:
		e.X = rewriteExpr(e.X)
		e.Y = rewriteExpr(e.Y)
	case *syntax.LambdaExpr:
		e.Params = rewriteParams(e.Params)
		e.Body = rewriteExpr(e.Body)
	case *syntax.ListExpr:
		for i, x := range e.List {
			e.List[i] = rewriteExpr(x)
		}
	case *syntax.ParenExpr:
		e.X = rewriteExpr(e.X)
	case *syntax.SliceExpr:
		e.X = rewriteExpr(e.X)
		e.Lo = rewriteExpr(e.Lo)
		e.Hi = rewriteExpr(e.Hi)
		e.Step = rewriteExpr(e.Step)
		stepped := &syntax.Literal{Token: syntax.INT, TokenPos: e.Rbrack, Raw: "0", Value: int64(0)}
		if e.Step != nil {
			stepped.Raw, stepped.Value = "1", int64(1)
		}
		return call(e, "_gwd_slice", e, stepped)
	case *syntax.TupleExpr:
		for i, x := range e.List {
			e.List[i] = rewriteExpr(x)
		}
	case *syntax.UnaryExpr:
		e.X = rewriteExpr(e.X)
	}
	return e
}

// call builds fn(args...) spanning orig's source positions.
func call(orig syntax.Expr, fn string, args ...syntax.Expr) syntax.Expr {
	start, end := orig.Span()
	return &syntax.CallExpr{
		Fn:     &syntax.Ident{NamePos: start, Name: fn},
		Lparen: start,
		Args:   args,
		Rparen: end,
	}
}

func strLiteral(s string, pos syntax.Position) *syntax.Literal {
	return &syntax.Literal{Token: syntax.STRING, TokenPos: pos, Raw: strconv.Quote(s), Value: s}
}

func opLiteral(op syntax.Token, pos syntax.Position) *syntax.Literal {
	return strLiteral(op.String(), pos)
}

// loadCopy returns a fresh copy of an assignment target for reading it
// again (identifiers are copied so that the resolver binds each use).
func loadCopy(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case *syntax.Ident:
		return &syntax.Ident{NamePos: e.NamePos, Name: e.Name}
	case *syntax.IndexExpr:
		return &syntax.IndexExpr{X: loadCopy(e.X), Lbrack: e.Lbrack, Y: loadCopy(e.Y), Rbrack: e.Rbrack}
	case *syntax.DotExpr:
		return &syntax.DotExpr{X: loadCopy(e.X), Dot: e.Dot, NamePos: e.NamePos, Name: &syntax.Ident{NamePos: e.Name.NamePos, Name: e.Name.Name}}
	case *syntax.ParenExpr:
		return &syntax.ParenExpr{Lparen: e.Lparen, X: loadCopy(e.X), Rparen: e.Rparen}
	case *syntax.CallExpr:
		args := make([]syntax.Expr, len(e.Args))
		for i, a := range e.Args {
			args[i] = loadCopy(a)
		}
		return &syntax.CallExpr{Fn: loadCopy(e.Fn), Lparen: e.Lparen, Args: args, Rparen: e.Rparen}
	case *syntax.BinaryExpr:
		return &syntax.BinaryExpr{OpPos: e.OpPos, Op: e.Op, X: loadCopy(e.X), Y: loadCopy(e.Y)}
	case *syntax.UnaryExpr:
		return &syntax.UnaryExpr{OpPos: e.OpPos, Op: e.Op, X: loadCopy(e.X)}
	case *syntax.TupleExpr:
		l := make([]syntax.Expr, len(e.List))
		for i, x := range e.List {
			l[i] = loadCopy(x)
		}
		return &syntax.TupleExpr{Lparen: e.Lparen, List: l, Rparen: e.Rparen}
	case *syntax.ListExpr:
		l := make([]syntax.Expr, len(e.List))
		for i, x := range e.List {
			l[i] = loadCopy(x)
		}
		return &syntax.ListExpr{Lbrack: e.Lbrack, List: l, Rbrack: e.Rbrack}
	case *syntax.SliceExpr:
		return &syntax.SliceExpr{X: loadCopy(e.X), Lbrack: e.Lbrack, Lo: loadCopy(e.Lo), Hi: loadCopy(e.Hi), Step: loadCopy(e.Step), Rbrack: e.Rbrack}
	case *syntax.CondExpr:
		return &syntax.CondExpr{If: e.If, Cond: loadCopy(e.Cond), True: loadCopy(e.True), ElsePos: e.ElsePos, False: loadCopy(e.False)}
	}
	return e // literals, and nodes without identifiers worth copying
}
