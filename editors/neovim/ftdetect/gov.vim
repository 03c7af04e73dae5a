" .gov files are governance policies for govc.
autocmd BufRead,BufNewFile *.gov setfiletype gov
