"""Identity: staff and citizens, personnummer, the credential store login providers use."""
