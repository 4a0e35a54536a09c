"""The participant's own side: sign-in with a card and a PIN or pictures, their progress in
pictures, and their own rating of the step they have reached."""
