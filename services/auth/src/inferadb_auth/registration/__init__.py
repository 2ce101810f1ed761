"""Registration: user, primary email, verification mail and the default organization."""
