from arazzo.cli import console_main

console_main()
