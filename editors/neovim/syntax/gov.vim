" Highlighting for govc's .gov policies until the language server's semantic tokens take over
" (Neovim 0.9 and later). The words are those of editors/vscode/syntaxes/gov.tmLanguage.json.
if exists('b:current_syntax')
  finish
endif

syntax keyword govDeclaration type enum resource fn policy enforce test
syntax keyword govInclude package import
syntax keyword govStatement param let subject request inventory
syntax keyword govClause deny warn allow
syntax keyword govKeyword when some expect with
syntax keyword govExpectation denied warned passes allowed rejected
syntax keyword govOperator and or not in has all any if then else for
syntax keyword govBoolean true false
syntax keyword govType string int float bool timestamp
syntax keyword govConstant low medium high critical namespaced cluster dryrun
" A match, not a keyword list: `contains` cannot be a syntax keyword.
syntax match govBuiltin "\v<(count|sum|min|max|lower|upper|startswith|endswith|contains|matches|glob|days_since)>\ze\s*\("
syntax match govNumber "\v<-?\d+(\.\d+)?([eE][+-]?\d+)?>"
syntax match govConstraint "@\h\w*"
syntax match govTypeName "\v<\u\w*>"
syntax region govInterpolation matchgroup=govDelimiter start="{" end="}" contained contains=ALLBUT,govString
syntax match govEscape "\\." contained
syntax match govEscape "{{\|}}" contained
syntax region govString start=+"+ skip=+\\"+ end=+"\|$+ contains=govEscape,govInterpolation
syntax match govComment "//.*$" contains=@Spell
syntax match govDocComment "///.*$" contains=@Spell

highlight default link govDeclaration Structure
highlight default link govInclude Include
highlight default link govStatement Statement
highlight default link govClause Keyword
highlight default link govKeyword Keyword
highlight default link govExpectation Constant
highlight default link govOperator Operator
highlight default link govBoolean Boolean
highlight default link govType Type
highlight default link govTypeName Type
highlight default link govConstant Constant
highlight default link govBuiltin Function
highlight default link govNumber Number
highlight default link govConstraint PreProc
highlight default link govString String
highlight default link govEscape SpecialChar
highlight default link govDelimiter Delimiter
highlight default link govComment Comment
highlight default link govDocComment SpecialComment

let b:current_syntax = 'gov'
