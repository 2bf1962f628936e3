"""The app layer: the live symptom explorer (a widget, served as a Voila app)."""
