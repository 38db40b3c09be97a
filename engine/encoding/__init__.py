"""Music as the network reads it: tokens, spelling rules, and the inputs beside the tokens."""
