from ecco_tui.cli.main import app

app()
