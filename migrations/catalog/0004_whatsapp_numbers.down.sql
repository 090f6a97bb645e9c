DROP TABLE whatsapp_numbers;
