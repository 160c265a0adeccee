// grammar/FlowLexer.g4 — the tokens of Flow (docs/language.md, "Lexical rules")
// for the parser grammar grammar/Flow.g4. A separate lexer grammar because
// string interpolation needs lexical modes. Grammar only: no actions, no target
// code. Newline continuation is not done here: every newline is an NL token and
// the token filter (compiler/parse/token_filter.cpp) drops the ones that do not
// end a statement; see the comment at the top of Flow.g4.
lexer grammar FlowLexer;

// Made by the token filter, never by a rule here: the `:spec` ending an
// interpolation (`"{price:>10.2}"`), taken raw up to its `}` because a spec
// is not made of Flow tokens (`{s:*>6}`, `{s: ^9}`).
tokens { FORMAT_SPEC }

// Keywords (reserved). Type names and built-ins are identifiers. Keep them
// first and TRUE/FALSE right after them: syntax_errors.cpp tells a keyword by
// its token type being below TRUE.
TYPE      : 'type' ;
CONST     : 'const' ;
EXTERN    : 'extern' ;
FN        : 'fn' ;
PIPELINE  : 'pipeline' ;
PARAM     : 'param' ;
DEADLINE  : 'deadline' ;
MONITOR   : 'monitor' ;
CHANNEL   : 'channel' ;
INPUT     : 'input' ;
OUTPUT    : 'output' ;
OVERFLOW  : 'overflow' ;
SOURCE    : 'source' ;
STAGE     : 'stage' ;
SINK      : 'sink' ;
FROM      : 'from' ;
WORKERS   : 'workers' ;
TIMEOUT   : 'timeout' ;
RETRY     : 'retry' ;
BACKOFF   : 'backoff' ;
ON_ERROR  : 'on_error' ;
ORDERED   : 'ordered' ;
LET       : 'let' ;
VAR       : 'var' ;
STATE     : 'state' ;
IF        : 'if' ;
ELSE      : 'else' ;
FOR       : 'for' ;
IN        : 'in' ;
WHILE     : 'while' ;
BREAK     : 'break' ;
CONTINUE  : 'continue' ;
RETURN    : 'return' ;
EMIT      : 'emit' ;
TRY       : 'try' ;
FAIL      : 'fail' ;
FINALLY   : 'finally' ;
TEST      : 'test' ;
EXPECT    : 'expect' ;
KEY       : 'key' ;
BATCH     : 'batch' ;
WITHIN    : 'within' ;
EVERY     : 'every' ;
TRUE      : 'true' ;
FALSE     : 'false' ;

// Numbers. The lexer accepts any placement of `_`; the builder rejects a
// leading/trailing/doubled `_` with InvalidLiteral. A duration is a number
// followed at once by a unit: longest match makes `50ms` one token.
DURATION : (DEC_FLOAT | DEC_INT) ('ns' | 'us' | 'ms' | 's' | 'm' | 'h') ;
FLOAT    : DEC_FLOAT ;
INT      : DEC_INT | '0' [xX] [0-9a-fA-F_]+ ;
fragment DEC_INT   : [0-9] [0-9_]* ;
fragment DEC_FLOAT : DEC_INT '.' [0-9] [0-9_]* EXPONENT? | DEC_INT EXPONENT ;
fragment EXPONENT  : [eE] [+-]? [0-9] [0-9_]* ;

IDENT : [A-Za-z_] [A-Za-z0-9_]* ;

STRING_START : '"' -> pushMode(STR) ;

// Operators and punctuation.
SEND         : '<-' ;
ARROW        : '->' ;
DOTDOT       : '..' ;
DOT          : '.' ;
PLUS_ASSIGN  : '+=' ;
MINUS_ASSIGN : '-=' ;
STAR_ASSIGN  : '*=' ;
SLASH_ASSIGN : '/=' ;
EQ           : '==' ;
NE           : '!=' ;
LE           : '<=' ;
GE           : '>=' ;
SHL          : '<<' ;
SHR          : '>>' ;
AND_AND      : '&&' ;
OR_OR        : '||' ;
LT           : '<' ;
GT           : '>' ;
ASSIGN       : '=' ;
PLUS         : '+' ;
MINUS        : '-' ;
STAR         : '*' ;
SLASH        : '/' ;
PERCENT      : '%' ;
AMP          : '&' ;
PIPE         : '|' ;
CARET        : '^' ;
TILDE        : '~' ;
NOT          : '!' ;
COLON        : ':' ;
COMMA        : ',' ;
SEMI         : ';' ;
LPAREN       : '(' ;
RPAREN       : ')' ;
LBRACK       : '[' ;
RBRACK       : ']' ;
LBRACE       : '{' -> pushMode(DEFAULT_MODE) ;
RBRACE       : '}' -> popMode ;

NL : '\r'? '\n' ;
WS : [ \t\f\r]+ -> skip ;
// Comments are hidden, not skipped: the token filter hands them to `flowc
// fmt` and editors (parse/layout.h) and turns a block comment spanning lines
// into an NL; the parser never sees them.
LINE_COMMENT  : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
// A `/*` never closed runs to the end of the file; the filter reports it.
UNTERMINATED_COMMENT : '/*' ~[*]* ('*'+ ~[*/] ~[*]*)* '*'* ;
// Anything else is one bad character; the filter reports it, so the lexer
// itself never has an error to print.
ERROR_CHAR : . ;

mode STR;
STRING_END     : '"' -> popMode ;
STR_TEXT       : ~["\\{}\n]+ ;
STR_ESCAPE     : '\\' [nt\\"{}r0] ;
STR_LBRACE_LIT : '{{' ;
STR_RBRACE_LIT : '}}' ;
INTERP_OPEN    : '{' -> pushMode(DEFAULT_MODE) ;
// A lone `}`, an unknown escape, a `\` at the end: kept as tokens so the
// builder can say what is wrong with the literal.
STR_BAD        : '}' | '\\' ~[\n]? ;
// A string still open at the end of its line; the filter reports it and
// closes the string there.
STR_UNTERMINATED : '\r'? '\n' -> popMode ;
