;;; gov-mode.el --- Major mode for govc's .gov governance policies  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "26.1"))
;; Keywords: languages
;; SPDX-License-Identifier: Apache-2.0

;;; Commentary:

;; Highlighting, comments and indentation for `.gov' files, and the registration of `govc lsp'
;; with eglot (built into Emacs 29; on Emacs 26 to 28, install it from GNU ELPA or with your
;; distribution's package, e.g. Debian's `elpa-eglot').  With eglot, diagnostics, hover, go to
;; definition, references, highlights, rename, completion, signature help, formatting and quick
;; fixes come from govc.
;;
;;   (add-to-list 'load-path "/path/to/govc/editors/emacs")
;;   (require 'gov-mode)
;;   (add-hook 'gov-mode-hook #'eglot-ensure)
;;
;; `gov-mode-server-command' is the command eglot runs (default: govc on the PATH).

;;; Code:

(defgroup gov nil
  "Support for govc's .gov governance policies."
  :group 'languages
  :prefix "gov-")

(defcustom gov-mode-server-command '("govc" "lsp")
  "The command that runs govc's language server, as a program and its arguments."
  :type '(repeat string)
  :group 'gov)

(defcustom gov-mode-indent-offset 2
  "Columns of indentation per level of braces, as `govc fmt' writes."
  :type 'integer
  :group 'gov)

(defconst gov-mode--declaration-keywords
  '("type" "enum" "resource" "fn" "policy" "enforce" "test"))

(defconst gov-mode--keywords
  '("package" "import" "param" "let" "subject" "request" "inventory" "deny" "warn" "allow" "when" "some" "expect"
    "with" "and" "or" "not" "in" "has" "all" "any" "if" "then" "else" "for"))

(defconst gov-mode--builtins
  '("count" "sum" "min" "max" "lower" "upper" "startswith" "endswith" "contains" "matches"
    "days_since"))

(defconst gov-mode-font-lock-keywords
  `((,(concat "\\_<" (regexp-opt gov-mode--declaration-keywords) "\\_>\\s-+\\(\\(?:\\sw\\|\\s_\\)+\\)")
     (1 font-lock-function-name-face))
    (,(regexp-opt gov-mode--declaration-keywords 'symbols) . font-lock-keyword-face)
    (,(regexp-opt gov-mode--keywords 'symbols) . font-lock-keyword-face)
    (,(regexp-opt '("denied" "warned" "passes" "allowed" "rejected") 'symbols) . font-lock-constant-face)
    (,(regexp-opt '("true" "false") 'symbols) . font-lock-constant-face)
    (,(regexp-opt '("string" "int" "float" "bool" "timestamp") 'symbols) . font-lock-type-face)
    (,(concat (regexp-opt gov-mode--builtins 'symbols) "\\s-*(") 1 font-lock-builtin-face)
    ("@\\(?:\\sw\\|\\s_\\)+" . font-lock-preprocessor-face)
    ("\\_<[A-Z]\\(?:\\sw\\|\\s_\\)*" . font-lock-type-face))
  "Highlighting of .gov files until semantic tokens from the server (Emacs 30's eglot).")

(defvar gov-mode-syntax-table
  (let ((table (make-syntax-table)))
    (modify-syntax-entry ?_ "_" table)
    (modify-syntax-entry ?/ ". 12" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?\" "\"" table)
    (modify-syntax-entry ?\\ "\\" table)
    table)
  "Syntax table of `gov-mode': `//' comments, double-quoted strings.")

(defun gov-mode-indent-line ()
  "Indent the current line by the depth of the braces, brackets and parentheses it is in."
  (interactive)
  (let* ((depth (save-excursion
                  (beginning-of-line)
                  (car (syntax-ppss))))
         (closing (save-excursion
                    (back-to-indentation)
                    (looking-at-p "[]})]")))
         (column (* gov-mode-indent-offset (max 0 (if closing (1- depth) depth)))))
    (if (<= (current-column) (current-indentation))
        (indent-line-to column)
      (save-excursion (indent-line-to column)))))

;;;###autoload
(define-derived-mode gov-mode prog-mode "gov"
  "Major mode for govc's .gov governance policies."
  :syntax-table gov-mode-syntax-table
  (setq-local comment-start "// ")
  (setq-local comment-start-skip "//+\\s-*")
  (setq-local comment-end "")
  (setq-local indent-tabs-mode nil)
  (setq-local indent-line-function #'gov-mode-indent-line)
  (setq-local font-lock-defaults '(gov-mode-font-lock-keywords)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.gov\\'" . gov-mode))

(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               `(gov-mode . ,(lambda (&rest _) gov-mode-server-command))))

(provide 'gov-mode)
;;; gov-mode.el ends here
