from flask.cli import AppGroup

modules_cli = AppGroup("modules", help="Export and import the module library as JSON.")
