;;; eglot-test.el --- Emacs and eglot against a real `govc lsp'  -*- lexical-binding: t; -*-

;; Run by editors/emacs/test.sh:
;;
;;   GOVC=/path/to/govc PROJECT=/tmp/project emacs --batch -Q -l editors/emacs/test/eglot-test.el
;;
;; Opens a .gov file with a type error in `gov-mode', connects eglot, waits for govc's diagnostic
;; in flymake, fixes the error as a user types, waits for the diagnostic to go, then asks for
;; signature help.  Prints a transcript; exits non-zero on the first thing not as expected.

;;; Code:

(require 'package)
;; eglot is built in from Emacs 29; before, Debian's elpa-eglot installs it here.
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(require 'eglot)
(require 'flymake)

(defvar gov-test--dir (file-name-directory (or load-file-name buffer-file-name)))
(add-to-list 'load-path (expand-file-name ".." gov-test--dir))
(require 'gov-mode)

(defun gov-test--say (format-string &rest args)
  (princ (concat (apply #'format format-string args) "\n")))

(defun gov-test--fail (format-string &rest args)
  (gov-test--say "FAIL: %s" (apply #'format format-string args))
  (kill-emacs 1))

(defun gov-test--wait (what predicate)
  "Wait up to 30 seconds for PREDICATE, running timers and process output; fail with WHAT."
  (let ((deadline (+ (float-time) 30)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.05)
      ;; Timers (flymake's reports) run here too.
      (sit-for 0.01))
    (unless (funcall predicate)
      (gov-test--fail "%s" what))))

(let* ((govc (or (getenv "GOVC") (gov-test--fail "GOVC is not set")))
       (project (or (getenv "PROJECT") (gov-test--fail "PROJECT is not set")))
       (file (expand-file-name "main.gov" project)))
  (setq gov-mode-server-command (list govc "lsp"))
  (setq eglot-sync-connect t)
  (gov-test--say "emacs %s, eglot %s" emacs-version
                 (or (ignore-errors
                       (package-version-join
                        (package-desc-version (cadr (assq 'eglot package-alist)))))
                     "built in"))
  (find-file file)
  (unless (eq major-mode 'gov-mode)
    (gov-test--fail "the major mode is %s, not gov-mode" major-mode))
  (gov-test--say "major mode: %s, comment-start: %S" major-mode comment-start)
  (apply #'eglot (eglot--guess-contact))
  (let ((server (eglot-current-server)))
    (unless server (gov-test--fail "eglot did not connect"))
    (gov-test--say "server: %s, capabilities include signatureHelp: %s"
                   (plist-get (eglot--server-info server) :name)
                   (if (eglot--server-capable :signatureHelpProvider) "yes" "no")))
  (gov-test--wait "no diagnostics arrived" (lambda () (flymake-diagnostics)))
  (let ((d (car (flymake-diagnostics))))
    (dolist (each (flymake-diagnostics))
      (gov-test--say "diagnostic line %d: %s %s"
                     (line-number-at-pos (flymake-diagnostic-beg each))
                     (flymake-diagnostic-type each)
                     (replace-regexp-in-string "\n" " / " (flymake-diagnostic-text each))))
    (unless (string-match-p "Recrod" (flymake-diagnostic-text d))
      (gov-test--fail "expected the diagnostic about `Recrod'")))
  ;; Fix the typo as a user would; eglot sends the change when Emacs is idle, which it never is
  ;; in batch mode, so it is sent here.
  (goto-char (point-min))
  (search-forward ": Recrod")
  (replace-match ": Record")
  (gov-test--say "edited line %d: %s" (line-number-at-pos)
                 (string-trim (thing-at-point 'line t)))
  (eglot--signal-textDocument/didChange)
  (gov-test--wait "the diagnostic stayed after the fix" (lambda () (null (flymake-diagnostics))))
  (gov-test--say "diagnostics after the fix: none")
  (goto-char (point-min))
  (search-forward "startswith(r.name, ")
  (let* ((help (jsonrpc-request (eglot--current-server-or-lose) :textDocument/signatureHelp
                                (eglot--TextDocumentPositionParams)))
         (signature (aref (plist-get help :signatures) 0))
         (label (plist-get signature :label))
         (active (aref (plist-get signature :parameters) (plist-get help :activeParameter)))
         (range (plist-get active :label))
         (name (substring label (aref range 0) (aref range 1))))
    (gov-test--say "signature help: %s, active parameter `%s'" label name)
    (unless (equal name "prefix: string")
      (gov-test--fail "the active parameter is not `prefix: string'")))
  (eglot-shutdown (eglot-current-server))
  (gov-test--say "PASS")
  (kill-emacs 0))

;;; eglot-test.el ends here
