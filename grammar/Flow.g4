// grammar/Flow.g4 — the syntax of Flow (docs/language.md, "Lexical rules" to
// "Stage bodies") as an ANTLR4 parser grammar; its tokens are defined in
// grammar/FlowLexer.g4. Grammar only: no actions, no predicates, no target
// code, so the same pair of files drives any ANTLR target. The lexer uses only
// target-independent commands (pushMode, popMode, skip, channel). Design notes:
// docs/design/grammar.md.
//
// What this grammar does NOT do by itself:
//  * Newline continuation. The lexer emits every newline as NL; the
//    token filter (compiler/parse/token_filter.cpp) drops an NL inside ( )
//    or [ ], after a token that cannot end a statement (a binary operator,
//    `,`, `=` `+=` `-=` `*=` `/=`, `<-`, `->`, `.`, `..`, `!`, `~`), at the
//    start of the file and after another NL. A block comment spanning lines
//    counts as one NL. So the parser sees NL only where a statement or a
//    declaration can end; `;` (SEMI) ends one as well.
//  * Literal decoding and range checks (ints, floats, durations, escapes):
//    the AST builder reports InvalidLiteral.
//  * That list items are separated (see `module`), and the words accepted
//    after `on_error` and `overflow`: the builder checks them, for better
//    messages. Which stage kinds take inputs/outputs is sema's.
//
// Record literal vs. block. `Job{id: i}` is a record literal and `if x {`
// opens a block; both start with IDENT '{'. RULE: a `{` after a name starts a
// record literal exactly when what follows is `name :` or the closing `}`;
// otherwise it opens a block. No statement starts with `name :`, so this is a
// few tokens of lookahead and does not depend on the spelling of the name:
// `if MAX {`, `for x in xs {`, `while ok {`, `-> out {`, `workers n {` open
// blocks; `Cfg{}`, `Job{id: i}` and a record spread over lines are records.
// So does `key w {` (the body after a stage's `key`) and `every period {`.
// A `{` where an expression starts is a map literal (`{"a": 1}`, `{}`); no
// statement and no block starts where an expression could, so the two never
// meet: after `if x` the expression is complete and `{` opens its block.
// The only text that could be read both ways is an empty `x {}` followed by
// a block (`if x {} else {}`): the SLL pass may read a record there, fails,
// and the full-LL pass then takes the alternative that parses, the block.
// Write `if (Cfg{} == c) {` to compare with an empty record in a condition.
//
// Strings: `"` pushes lexer mode STR; inside it `{` (not `{{`) pushes the
// default mode for the interpolated expression, and the `}` that closes it
// pops back. A `:` directly inside an interpolation (not inside brackets of
// its expression) starts a format spec: the token filter turns everything up
// to the `}` into one FORMAT_SPEC token. Every `{` of the default mode pushes the default mode and every
// `}` pops, so an interpolation holds any expression, including records and
// strings with their own interpolations. A newline inside a string ends it
// with an error (strings are single-line; the filter recovers).
parser grammar Flow;

// Tokens come from FlowLexer.g4 (a separate lexer grammar because ANTLR
// allows lexical modes only there).
options { tokenVocab = FlowLexer; }

// ===================================================================== parser

// Lists of declarations, members and statements are written `(item | sep)*`
// rather than `item (sep item)*`: every loop decision then needs one token of
// lookahead, so ANTLR's recovery resynchronizes at the next line instead of
// abandoning the enclosing rule. The builder checks that items are really
// separated (`let x = 1 let y = 2` is an error there).
module
  : (topDecl | sep)* EOF
  ;

sep : NL | SEMI ;

topDecl
  : typeDecl
  | constDecl
  | externBlock
  | fnDecl
  | pipelineDecl
  | testDecl
  ;

// `type Name { field: T [= default] … }` — fields end at a newline, `;` or `,`.
typeDecl
  : TYPE IDENT LBRACE (fieldDecl | fieldSep)* RBRACE
  ;
fieldSep  : NL | SEMI | COMMA ;
fieldDecl : IDENT COLON typeRef (ASSIGN expr)? ;

// `int`, `Job`, `[string]`, `{string: int}`, `Failed<Job>`. Type names are
// identifiers, not keywords, because `int(s)` and `float(s)` are also
// built-in calls. Which names take a type argument (only `Failed`) is sema's.
typeRef
  : IDENT (LT typeArg)?
  | LBRACK typeRef RBRACK
  | LBRACE typeRef COLON typeRef RBRACE
  ;
// The argument and the closing `>`. The lexer reads `>>` as one token (a
// shift), so `Failed<Failed<Job>>` closes two levels with it.
typeArg
  : typeRef GT
  | IDENT LT typeRef SHR
  ;

constDecl : CONST IDENT ASSIGN expr ;

// `extern "header.hpp" { fn name(p: T, …) -> R … }`
externBlock
  : EXTERN stringLit LBRACE (externFn | sep)* RBRACE
  ;
externFn : FN IDENT LPAREN (fnParam (COMMA fnParam)* COMMA?)? RPAREN (ARROW typeRef)? ;
fnParam  : IDENT COLON typeRef ;

// `fn name(p: T, …) -> R { … }`: a Flow function; no `-> R` returns nothing.
fnDecl : FN IDENT LPAREN (fnParam (COMMA fnParam)* COMMA?)? RPAREN (ARROW typeRef)? block ;

pipelineDecl
  : PIPELINE IDENT LBRACE (member | sep)* RBRACE
  ;

member
  : PARAM IDENT COLON typeRef (ASSIGN expr)?                              # paramMember
  | DEADLINE expr                                                         # deadlineMember
  | MONITOR expr                                                          # monitorMember
  | role=(CHANNEL | INPUT | OUTPUT) IDENT COLON typeRef
      LBRACK expr RBRACK (OVERFLOW IDENT)?                                # channelMember
  | kind=(SOURCE | STAGE | SINK) IDENT stageInputs? (ARROW identList)?
      stageAttr* block                                                    # stageMember
  ;

// `(x from a, b)`: the item name, then the channels merged into it;
// `(rows from a batch 500 within 200ms)`: the body gets lists of items.
stageInputs : LPAREN IDENT FROM identList (BATCH expr (WITHIN expr)?)? RPAREN ;
identList   : IDENT (COMMA IDENT)* ;

// Any order; "at most once each" is sema's rule. `on_error` takes `drop`,
// `stop` or `route ch`: plain identifiers, checked by the builder.
stageAttr
  : WORKERS expr                      # workersAttr
  | TIMEOUT expr                      # timeoutAttr
  | RETRY expr (BACKOFF expr)?        # retryAttr
  | ON_ERROR IDENT IDENT?             # onErrorAttr
  | ORDERED                           # orderedAttr
  | KEY expr                          # keyAttr
  ;

// `test "name" [for PIPELINE] { … }`: a test `flowc test` runs
// (docs/language.md, "Testing pipelines"). Its statements set the run up
// (params, workers, deadline, the channels the test writes and reads) and
// state what must hold after it (`expect`). `in any order` takes two plain
// words after `in`; the builder checks them.
testDecl : TEST stringLit (FOR IDENT)? LBRACE (testStmt | sep)* RBRACE ;
testStmt
  : PARAM IDENT ASSIGN expr                   # testParamStmt
  | WORKERS IDENT ASSIGN expr                 # testWorkersStmt
  | DEADLINE expr                             # testDeadlineStmt
  | INPUT IDENT ASSIGN expr                   # testInputStmt
  | OUTPUT identList                          # testOutputStmt
  | EXPECT expr (IN IDENT IDENT)?             # testExpectStmt
  ;

// ================================================================ statements

block : LBRACE (stmt | sep)* RBRACE ;

stmt
  : kw=(LET | VAR) IDENT (COLON typeRef)? ASSIGN expr                    # letStmt
  | STATE IDENT (COLON typeRef)? ASSIGN expr                             # stateStmt
  // `}` newline `else` is accepted too: nothing else can start with `else`.
  | IF expr block (NL? ELSE IF expr block)* (NL? ELSE block)?            # ifStmt
  // `for x in xs`, `for i in 0..n`, `for k, v in m` (and `for i, x in xs`).
  | FOR IDENT (COMMA IDENT)? IN expr (DOTDOT expr)? block                # forStmt
  | WHILE expr block                                                     # whileStmt
  | BREAK                                                                # breakStmt
  | CONTINUE                                                             # continueStmt
  // The value is optional: `return` ends a stage body or a function
  // without a result. A newline after `return` ends the statement.
  | RETURN expr?                                                         # returnStmt
  | EMIT expr                                                            # emitStmt
  | TRY (EMIT expr | IDENT SEND expr) NL? ELSE block                     # trySendStmt
  | FAIL expr                                                            # failStmt
  | EVERY expr block                                                     # everyStmt
  | FINALLY block                                                        # finallyStmt
  // `ch <- e`, `y = e`, `y += e`, `sleep(d)`: one alternative so that choosing
  // it needs one token of lookahead; the builder checks the left side.
  | expr (op=(SEND | ASSIGN | PLUS_ASSIGN | MINUS_ASSIGN | STAR_ASSIGN | SLASH_ASSIGN) expr)?  # simpleStmt
  ;

// =============================================================== expressions

// Lowest to highest: || && comparisons | ^ & shifts + - * / % unary postfix.
expr
  : primary                                                   # primaryExpr
  | expr DOT IDENT                                            # fieldExpr
  | expr LBRACK expr RBRACK                                   # indexExpr
  | op=(MINUS | NOT | TILDE) expr                             # unaryExpr
  | expr op=(STAR | SLASH | PERCENT) expr                     # binaryExpr
  | expr op=(PLUS | MINUS) expr                               # binaryExpr
  | expr op=(SHL | SHR) expr                                  # binaryExpr
  | expr op=AMP expr                                          # binaryExpr
  | expr op=CARET expr                                        # binaryExpr
  | expr op=PIPE expr                                         # binaryExpr
  | expr op=(EQ | NE | LT | LE | GT | GE) expr                # binaryExpr
  | expr op=AND_AND expr                                      # binaryExpr
  | expr op=OR_OR expr                                        # binaryExpr
  ;

primary
  : INT                                                       # intLit
  | FLOAT                                                     # floatLit
  | DURATION                                                  # durationLit
  | (TRUE | FALSE)                                            # boolLit
  | stringLit                                                 # stringLitExpr
  | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK                # listLit
  | IDENT LBRACE NL* (fieldInit (fieldInitSep fieldInit)* fieldInitSep?)? RBRACE  # recordLit
  | LBRACE NL* (mapEntry (fieldInitSep mapEntry)* fieldInitSep?)? RBRACE          # mapLit
  | IDENT LPAREN (expr (COMMA expr)* COMMA?)? RPAREN          # callExpr
  | IDENT                                                     # nameExpr
  | LPAREN expr RPAREN                                        # parenExpr
  ;

fieldInit    : IDENT COLON expr ;
mapEntry     : expr COLON expr ;
fieldInitSep : (COMMA | NL)+ ;

// "text {expr} more": pieces of text, escapes, `{{` `}}`, interpolations.
stringLit : STRING_START stringPart* STRING_END ;
stringPart
  : STR_TEXT                  # strText
  | STR_ESCAPE                # strEscape
  | STR_LBRACE_LIT            # strLBrace
  | STR_RBRACE_LIT            # strRBrace
  | STR_BAD                   # strBad
  | INTERP_OPEN expr FORMAT_SPEC? RBRACE   # strInterp
  ;

